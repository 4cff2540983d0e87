import Foundation

extension StoreQueries {
    /// Stores a small blob in the database (its digest was checked by the caller), or marks the one already
    /// there as stored again at `now`, so the collection of unreferenced blobs leaves it alone for a while.
    /// One marked within the last `refreshInterval` seconds is left as it is: nothing is written.
    public func putBlob(_ data: Data, sha256: String, now: Double, refreshInterval: Double = 0) throws {
        try db.run(
            """
            INSERT INTO blob (sha256, data, touched_at) VALUES (?, ?, ?)
            ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at WHERE touched_at <= ?
            """,
            .text(sha256), .blob([UInt8](data)), .real(now), .real(now - refreshInterval))
    }

    /// Marks a small blob as stored again at `now`; false when the database does not hold it.
    public func touchBlob(_ sha256: String, now: Double) throws -> Bool {
        try db.execute("UPDATE blob SET touched_at = ? WHERE sha256 = ?", .real(now), .text(sha256)).rowsAffected > 0
    }

    /// A small blob's content, if the database holds it.
    public func blob(_ sha256: String) throws -> Data? {
        guard let row = try db.queryOne("SELECT data FROM blob WHERE sha256 = ?", .text(sha256)) else { return nil }
        if case .blob(let bytes) = row[0] { return Data(bytes) }
        return nil
    }

    /// The size of a small blob, if the database holds it.
    public func blobSize(_ sha256: String) throws -> Int64? {
        try db.queryOne("SELECT length(data) FROM blob WHERE sha256 = ?", .text(sha256))?.int(0)
    }

    public func hasBlob(_ sha256: String) throws -> Bool {
        try db.queryOne("SELECT 1 FROM blob WHERE sha256 = ?", .text(sha256)) != nil
    }
}
