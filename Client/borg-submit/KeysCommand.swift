import ArgumentParser
import Crypto
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage a project's app-signing keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an Ed25519 signing key pair: DIR/signing.key (private) and DIR/signing.pub.")

        @Option(help: "Directory to write the key files into (created if missing).")
        var out: String

        func run() async throws {
            let directory = URL(fileURLWithPath: out)
            let privateFile = directory.appendingPathComponent("signing.key")
            let publicFile = directory.appendingPathComponent("signing.pub")
            guard !FileManager.default.fileExists(atPath: privateFile.path) else {
                throw CLIError("--out: '\(privateFile.path)' already exists; refusing to overwrite a signing key")
            }
            let key = Curve25519.Signing.PrivateKey()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                guard FileManager.default.createFile(
                    atPath: privateFile.path, contents: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8),
                    attributes: [.posixPermissions: 0o600])
                else { throw CLIError("--out: cannot write '\(privateFile.path)'") }
                try Data((key.publicKey.rawRepresentation.base64EncodedString() + "\n").utf8).write(to: publicFile)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("--out: cannot write the key files in '\(out)': \(error)")
            }
            print("private key: \(privateFile.path) (keep it secret; pass it as --signing-key)")
            print("public key:  \(publicFile.path) \(key.publicKey.rawRepresentation.base64EncodedString())")
        }
    }
}

/// A project's Ed25519 signing key, read from a `keys create` private key file.
struct SigningKey {
    let key: Curve25519.Signing.PrivateKey

    /// Reads the key; errors name `--signing-key`.
    init(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw CLIError("--signing-key: cannot read '\(file)'")
        }
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw CLIError("--signing-key: '\(file)' is not a private key written by 'borg-submit keys create'") }
        self.key = key
    }

    /// The base64 public key sent with the project.
    var publicKey: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// The base64 signature of an app: over the UTF-8 bytes of its lower-case hex SHA-256.
    func sign(sha256: String) throws -> String {
        try key.signature(for: Data(sha256.lowercased().utf8)).base64EncodedString()
    }
}
