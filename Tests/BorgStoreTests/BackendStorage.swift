import BorgStore
import Foundation

/// Where a backend under test keeps its data, so that the suite can open it again: a SQLite file, or a
/// running single-node dqlite cluster (which can also be restarted on its data directory). Removed by `remove()`.
final class BackendStorage {
    let kind: BackendKind
    /// The store's directory (blob files; the SQLite file).
    let directory: TemporaryStoreDirectory
    private let node: DqliteTestNode?

    init(_ kind: BackendKind) throws {
        self.kind = kind
        directory = try TemporaryStoreDirectory()
        node = kind == .dqlite ? try DqliteTestNode() : nil
    }

    /// A new backend on this storage.
    func open() throws -> any StoreBackend {
        if let node { return DqliteBackend(seeds: [node.address]) }
        return try SQLiteBackend(path: directory.url.appendingPathComponent("db.sqlite").path)
    }

    /// Stops what serves the data and starts it again from disk: the dqlite node restarts on its data
    /// directory. A SQLite file has nothing running, so each backend opened on it is a restart already.
    func restart() throws {
        try node?.restart()
    }

    func remove() {
        node?.stop()
        directory.remove()
    }
}
