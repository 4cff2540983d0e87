import BorgStore
import Foundation

/// The store a coordinator's data directory uses, opened for administration (`borg-server donor …`),
/// also while the coordinator runs: the directory's SQLite file, or, for a member of a replicated grid,
/// the grid's database through the dqlite nodes it knew last (a majority must be running), over the cluster link
/// with the key the member stored.
public enum DataDirectoryStore {
    public static func open(_ directory: URL) async throws -> Store {
        guard let seeds = ClusterNode.knownAddresses(dataDirectory: directory) else {
            return try await Store(directory: directory)
        }
        let dialer = try ClusterNode.storedDialer(dataDirectory: directory)
        return try await Store(directory: directory, backend: DqliteBackend(seeds: seeds, database: ClusterNode.database, dialer: dialer))
    }

    /// Opens the store, runs one write, closes it.
    public static func write<T: Sendable>(_ directory: URL, _ body: @escaping @Sendable (StoreQueries) throws -> T) async throws -> T {
        let store = try await open(directory)
        defer { store.close() }
        return try await store.write(body)
    }

    /// Opens the store, runs one read, closes it.
    public static func read<T: Sendable>(_ directory: URL, _ body: @escaping @Sendable (StoreQueries) throws -> T) async throws -> T {
        let store = try await open(directory)
        defer { store.close() }
        return try await store.read(body)
    }
}
