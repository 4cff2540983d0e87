import Crypto
import Foundation

extension StoreQueries {
    /// Runs `body` at most once per idempotency key: if a request with `key` already ran, returns the
    /// response stored then and runs nothing; else runs `body` and stores its response in the same
    /// transaction as its effects, so a retry through any coordinator repeats nothing. Without a key,
    /// just runs `body`. Callers scope keys (by route and credential) so that one client cannot replay
    /// another's response. A response holding a secret (a host secret, a token, an API key) is stored
    /// sealed with `secret`, the credential the request itself carried: the database never holds it in
    /// plain text, and only a retry with the same credential can open it.
    public func once<Response: Codable>(key: String?, now: Double, sealedWith secret: String? = nil,
                                        _ body: () throws -> Response) throws -> Response {
        guard let key else { return try body() }
        if let stored = try db.queryOne("SELECT response FROM idempotency WHERE key = ?", .text(key))?.string(0) {
            let json = try secret.map { try IdempotencySeal.open(stored, secret: $0, key: key) } ?? Data(stored.utf8)
            return try JSONDecoder().decode(Response.self, from: json)
        }
        let response = try body()
        let json = try JSONEncoder().encode(response)
        let text = try secret.map { try IdempotencySeal.seal(json, secret: $0, key: key) } ?? String(decoding: json, as: UTF8.self)
        try db.run("INSERT INTO idempotency (key, response, created_at) VALUES (?, ?, ?)", .text(key), .text(text), .real(now))
        return response
    }

    /// Forgets idempotency keys recorded before `time` (a retry comes within minutes, not days).
    public func forgetIdempotencyKeys(before time: Double) throws {
        try db.run("DELETE FROM idempotency WHERE created_at < ?", .real(time))
    }
}

/// Stored responses sealed with AES-GCM under a key derived from the request's credential and its
/// idempotency key.
enum IdempotencySeal {
    static let prefix = "sealed:"

    static func seal(_ json: Data, secret: String, key: String) throws -> String {
        let box = try AES.GCM.seal(json, using: symmetricKey(secret, key))
        guard let combined = box.combined else { throw StoreError(.invalid, "cannot seal a stored response") }
        return prefix + combined.base64EncodedString()
    }

    static func open(_ stored: String, secret: String, key: String) throws -> Data {
        guard stored.hasPrefix(prefix), let combined = Data(base64Encoded: String(stored.dropFirst(prefix.count))),
              let box = try? AES.GCM.SealedBox(combined: combined),
              let json = try? AES.GCM.open(box, using: symmetricKey(secret, key))
        else {
            throw StoreError(.conflict, "this Idempotency-Key was used by a request with other credentials; use a new key")
        }
        return json
    }

    private static func symmetricKey(_ secret: String, _ key: String) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: Data("borg idempotency\n\(secret)\n\(key)".utf8)))
    }
}
