/// Where the coordinator's state lives: runs write transactions (group-committed) and reads.
///
/// `write` bodies from concurrent callers are merged into one transaction; each body runs inside its own
/// savepoint, so one that throws is rolled back alone. Reads never wait for writes.
public protocol StoreBackend: Sendable {
    /// Runs `body` inside a write transaction; returns after that transaction committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// Runs `body` on a read connection that sees the last committed state.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// Finishes pending writes and closes every connection.
    func close()
}
