import BorgDonor
import Crypto
import Foundation
import Testing

struct AppSignatureVerifierTests {
    let app = Data("app bytes".utf8)
    var sha: String { SHA256.hash(data: app).map { String(format: "%02x", $0) }.joined() }

    func sign(_ key: Curve25519.Signing.PrivateKey) throws -> String {
        try key.signature(for: Data(sha.utf8)).base64EncodedString()
    }

    func verifier() throws -> (AppSignatureVerifier, DataDirectory) {
        let directory = DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("borg-keys-\(UUID().uuidString.prefix(8))").path)
        try directory.create()
        return (AppSignatureVerifier(directory: directory), directory)
    }

    func expectRefused(_ body: () throws -> Void, saying text: String) {
        #expect {
            try body()
        } throws: { error in
            let message = (error as? DonorError)?.description ?? ""
            return message.hasPrefix("app signature invalid: ") && message.contains(text)
        }
    }

    @Test func acceptsAGoodSignatureAndPinsTheKey() throws {
        let (verifier, directory) = try verifier()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        try verifier.verify(app: app, project: "primes", sha256: sha, signature: try sign(key), publicKey: publicKey)
        #expect(try verifier.pinnedKeys() == ["primes": publicKey])
    }

    @Test func refusesUnsignedTamperedAndBadlySignedApps() throws {
        let (verifier, directory) = try verifier()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        let signature = try sign(key)
        expectRefused({ try verifier.verify(app: app, project: "p", sha256: sha, signature: "", publicKey: "") }, saying: "unsigned")
        expectRefused({ try verifier.verify(app: Data("tampered".utf8), project: "p", sha256: sha, signature: signature, publicKey: publicKey) }, saying: "hashes to")
        let other = try Curve25519.Signing.PrivateKey().signature(for: Data(sha.utf8)).base64EncodedString()
        expectRefused({ try verifier.verify(app: app, project: "p", sha256: sha, signature: other, publicKey: publicKey) }, saying: "does not match")
        expectRefused({ try verifier.verify(app: app, project: "p", sha256: sha, signature: signature, publicKey: "bm90IGEga2V5") }, saying: "malformed")
        #expect(try verifier.pinnedKeys().isEmpty)
    }

    @Test func refusesAProjectThatChangedItsKey() throws {
        let (verifier, directory) = try verifier()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        let first = Curve25519.Signing.PrivateKey()
        try verifier.verify(app: app, project: "p", sha256: sha, signature: try sign(first),
            publicKey: first.publicKey.rawRepresentation.base64EncodedString())
        let second = Curve25519.Signing.PrivateKey()
        expectRefused({
            try verifier.verify(app: app, project: "p", sha256: sha, signature: try sign(second),
                publicKey: second.publicKey.rawRepresentation.base64EncodedString())
        }, saying: "different key")
    }
}
