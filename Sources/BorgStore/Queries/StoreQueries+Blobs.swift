import Foundation

extension StoreQueries {
    /// Stores a small blob in the database (its digest was checked by the caller).
    public func putBlob(_ data: Data, sha256: String) throws {
        try db.run("INSERT OR IGNORE INTO blob (sha256, data) VALUES (?, ?)", .text(sha256), .blob([UInt8](data)))
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
