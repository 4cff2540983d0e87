import Foundation

extension StoreQueries {
    /// Runs `body` at most once per idempotency key: if a request with `key` already ran, returns the
    /// response stored then and runs nothing; else runs `body` and stores its response in the same
    /// transaction as its effects, so a retry through any coordinator repeats nothing. Without a key,
    /// just runs `body`. Callers scope keys (by route and credential) so that one client cannot replay
    /// another's response.
    public func once<Response: Codable>(key: String?, now: Double, _ body: () throws -> Response) throws -> Response {
        guard let key else { return try body() }
        if let stored = try db.queryOne("SELECT response FROM idempotency WHERE key = ?", .text(key))?.string(0) {
            return try JSONDecoder().decode(Response.self, from: Data(stored.utf8))
        }
        let response = try body()
        try db.run("INSERT INTO idempotency (key, response, created_at) VALUES (?, ?, ?)",
                       .text(key), .text(String(decoding: try JSONEncoder().encode(response), as: UTF8.self)), .real(now))
        return response
    }

    /// Forgets idempotency keys recorded before `time` (a retry comes within minutes, not days).
    public func forgetIdempotencyKeys(before time: Double) throws {
        try db.run("DELETE FROM idempotency WHERE created_at < ?", .real(time))
    }
}
