import BorgStore
import Testing

/// The backends the conformance suite runs against.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case dqlite

    var testDescription: String { rawValue }

    /// Runs `body` with new, empty storage of this kind, removed afterwards.
    func withStorage(_ body: (BackendStorage) async throws -> Void) async throws {
        let storage = try BackendStorage(self)
        defer { storage.remove() }
        try await body(storage)
    }

    /// Runs `body` with a backend on new, empty storage.
    func withBackend(_ body: (any StoreBackend) async throws -> Void) async throws {
        try await withStorage { storage in
            let backend = try storage.open()
            defer { backend.close() }
            try await body(backend)
        }
    }

    /// The transactions the backend's group-commit writer committed and the write bodies they held.
    func writeStatistics(of backend: any StoreBackend) -> (transactions: Int, bodies: Int)? {
        switch backend {
        case let sqlite as SQLiteBackend: sqlite.writeStatistics
        case let dqlite as DqliteBackend: dqlite.writeStatistics
        default: nil
        }
    }
}
