/// The default store backend: one embedded SQLite file in WAL mode, a group-commit writer and a
/// pool of readers.
public final class SQLiteBackend: StoreBackend {
    public let path: String
    let writer: GroupCommitWriter
    let readers: ReaderPool

    /// Opens the database at `path`, creating it if needed.
    public init(path: String, readers: Int = 2, writeBatchLimit: Int = 1024) throws {
        self.path = path
        writer = GroupCommitWriter(transactions: SQLiteTransactionRunner(connection: try SQLiteConnection(path: path)), maxBatch: writeBatchLimit)
        self.readers = ReaderPool(connections: try (0..<readers).map { _ in try SQLiteConnection(path: path) })
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await readers.read(body)
    }

    public func close() {
        writer.stop()
        readers.close()
    }

    /// (transactions, bodies) the writer committed: bodies per transaction shows group commit at work.
    public var writeStatistics: (transactions: Int, bodies: Int) { writer.statistics }
}
