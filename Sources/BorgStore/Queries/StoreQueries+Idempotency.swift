extension StoreQueries {
    /// The response stored for a request made earlier with idempotency key `key`, if any.
    public func idempotentResponse(key: String) throws -> String? {
        try db.queryOne("SELECT response FROM idempotency WHERE key = ?", .text(key))?.string(0)
    }

    /// Stores the response of the request made with idempotency key `key`, in the same transaction as its
    /// effects, so a retry (through any coordinator) gets this response instead of repeating them.
    public func recordIdempotentResponse(key: String, response: String, now: Double) throws {
        try db.execute("INSERT INTO idempotency (key, response, created_at) VALUES (?, ?, ?)",
                       .text(key), .text(response), .real(now))
    }
}
