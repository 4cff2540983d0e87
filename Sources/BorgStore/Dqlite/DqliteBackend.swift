import BorgCluster
import Foundation

/// The replicated store backend: the coordinator's database in a dqlite cluster, always used through the
/// current Raft leader. Writes are group-committed like on SQLite (one dqlite transaction, a savepoint per
/// body); reads use a few separate connections so they never wait for a write.
public final class DqliteBackend: StoreBackend {
    /// Node addresses (`host:port`) asked for the leader.
    public let seeds: [String]
    /// The client the writer uses (also good for membership calls).
    let writerClient: DqliteClient
    private let readerClients: [DqliteClient]
    private let writer: GroupCommitWriter
    private let readers: ReaderPool

    /// Connects (lazily, through `dialer`) to database `database` of the cluster reachable through `seeds`. A
    /// write that finds no leader within `timeout` seconds fails with ``StoreUnavailable``.
    public init(seeds: [String], database: String = "borg", timeout: TimeInterval = 10, readers: Int = 3,
                writeBatchLimit: Int = 1024, dialer: any DqliteDialer = TCPDialer()) {
        self.seeds = seeds
        writerClient = DqliteClient(seeds: seeds, database: database, timeout: timeout, dialer: dialer)
        readerClients = (0..<max(1, readers)).map { _ in
            DqliteClient(seeds: seeds, database: database, timeout: timeout, dialer: dialer)
        }
        writer = GroupCommitWriter(transactions: DqliteTransactionRunner(client: writerClient), maxBatch: writeBatchLimit)
        self.readers = ReaderPool(connections: readerClients.map { DqliteSQLConnection(client: $0) })
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        do {
            return try await readers.read(body)
        } catch let error as DqliteError {
            throw DqliteTransactionRunner.storeError(error)
        }
    }

    public func close() {
        writer.stop()
        readers.close()
        writerClient.close()
        for client in readerClients { client.close() }
    }

    /// (transactions, bodies) the writer committed.
    public var writeStatistics: (transactions: Int, bodies: Int) { writer.statistics }
}
