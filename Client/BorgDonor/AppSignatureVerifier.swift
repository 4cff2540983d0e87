import Crypto
import Foundation

/// Checks that an app file is signed by its project's Ed25519 key, pinning each project's key
/// the first time it is seen (`pinned-keys.json`) and refusing a different key later.
public struct AppSignatureVerifier: Sendable {
    let file: URL

    public init(directory: DataDirectory) {
        file = directory.pinnedKeys
    }

    /// The pinned keys by project name.
    public func pinnedKeys() throws -> [String: String] {
        try AtomicFile.readJSON([String: String].self, from: file) ?? [:]
    }

    /// Throws `app signature invalid: …` unless `signature` (base64) is `publicKey`'s (base64)
    /// Ed25519 signature of the UTF-8 bytes of `sha256` (lower-case hex), and `publicKey` is
    /// the key pinned for `project` (pinning it if the project is new).
    public func verify(project: String, sha256: String, signature: String, publicKey: String) throws {
        guard !publicKey.isEmpty, !signature.isEmpty else {
            throw DonorError("app signature invalid: project '\(project)' sent an unsigned app; this host runs only signed apps")
        }
        guard let keyData = Data(base64Encoded: publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyData)
        else { throw DonorError("app signature invalid: project '\(project)' has a malformed public key") }
        var pinned = try pinnedKeys()
        if let known = pinned[project], known != publicKey {
            throw DonorError(
                "app signature invalid: project '\(project)' is now signed by a different key than the one pinned on first sight")
        }
        guard let signatureData = Data(base64Encoded: signature),
            key.isValidSignature(signatureData, for: Data(sha256.lowercased().utf8))
        else { throw DonorError("app signature invalid: the signature does not match app \(sha256) of project '\(project)'") }
        if pinned[project] == nil {
            pinned[project] = publicKey
            try AtomicFile.writeJSON(pinned, to: file)
        }
    }

    /// Throws `app signature invalid: …` unless `data` hashes to `sha256`, then verifies it as above.
    public func verify(app data: Data, project: String, sha256: String, signature: String, publicKey: String) throws {
        let actual = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        guard actual == sha256.lowercased() else {
            throw DonorError("app signature invalid: the app file hashes to \(actual), not \(sha256)")
        }
        try verify(project: project, sha256: sha256, signature: signature, publicKey: publicKey)
    }
}
