import Foundation
import Logging

/// The coordinator's durable state: the SQL database behind a ``StoreBackend`` and the blob files.
///
/// All reads and writes go through ``StoreQueries``; writes from concurrent callers are group-committed.
public final class Store: Sendable {
    public let backend: any StoreBackend
    public let blobs: BlobStore
    public let directory: URL

    /// Opens the store in `directory` (created if needed) on the embedded SQLite backend, merging at most
    /// `writeBatchLimit` concurrent writes into one transaction.
    public convenience init(directory: URL, writeBatchLimit: Int = 1024) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let backend = try SQLiteBackend(path: directory.appendingPathComponent("borg.sqlite").path, writeBatchLimit: writeBatchLimit)
        try await self.init(directory: directory, backend: backend)
    }

    /// Opens the store in `directory` on `backend`, bringing the schema up to date.
    public init(directory: URL, backend: any StoreBackend) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.backend = backend
        blobs = try BlobStore(directory: directory.appendingPathComponent("blobs"))
        try await backend.write { try Schema.migrate($0) }
    }

    /// Runs `body` in a (group-committed) write transaction.
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreQueries) throws -> T) async throws -> T {
        try await backend.write { try body(StoreQueries(db: $0)) }
    }

    /// Runs `body` against the last committed state.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreQueries) throws -> T) async throws -> T {
        try await backend.read { try body(StoreQueries(db: $0)) }
    }

    /// Blobs up to this size are kept in the database, larger ones as files.
    public static let smallBlobLimit = 256 << 10

    /// Stores a blob that must hash to `sha256`: small ones in the database, large ones as files. A blob
    /// already here counts as stored again at `now` (see ``touchBlob(_:now:)``).
    public func putBlob(_ data: Data, sha256: String, now: Double) async throws {
        guard data.count <= Self.smallBlobLimit else { return try blobs.put(data, sha256: sha256) }
        let actual = BlobStore.digest(data)
        guard BlobStore.isDigest(sha256) else { throw BlobError.malformedDigest(sha256) }
        guard actual == sha256 else { throw BlobError.digestMismatch(expected: sha256, actual: actual) }
        try await write { q in try q.putBlob(data, sha256: sha256, now: now) }
    }

    /// Marks a blob already here as stored again at `now` (an upload of a blob the coordinator has): the
    /// collection of unreferenced blobs spares it until the request that refers to it arrives.
    public func touchBlob(_ sha256: String, now: Double) async throws {
        guard BlobStore.isDigest(sha256) else { return }
        if blobs.contains(sha256) { return blobs.touch(sha256) }
        _ = try await write { q in try q.touchBlob(sha256, now: now) }
    }

    /// A blob's content, from the files or the database.
    public func blob(_ sha256: String) async throws -> Data? {
        guard BlobStore.isDigest(sha256) else { return nil }
        if let file = blobs.read(sha256) { return file }
        return try await read { q in try q.blob(sha256) }
    }

    /// A blob's size in bytes, if it is here (as a file or in the database).
    public func blobSize(_ sha256: String) async throws -> Int64? {
        guard BlobStore.isDigest(sha256) else { return nil }
        if let size = blobs.size(of: sha256) { return size }
        return try await read { q in try q.blobSize(sha256) }
    }

    /// Whether the blob is here, as a file or in the database.
    public func hasBlob(_ sha256: String) async throws -> Bool {
        guard BlobStore.isDigest(sha256) else { return false }
        if blobs.contains(sha256) { return true }
        return try await read { q in try q.hasBlob(sha256) }
    }

    /// Flushes pending writes and closes the database.
    public func close() { backend.close() }
}
