import Foundation

/// Read connections to one SQLite file; WAL mode lets them read while the writer writes.
final class SQLiteReaderPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [SQLiteConnection]
    private let queue = DispatchQueue(label: "borg-store-readers", attributes: .concurrent)

    init(path: String, count: Int) throws {
        idle = try (0..<count).map { _ in try SQLiteConnection(path: path) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let connection = self.take()
                defer { self.give(connection) }
                continuation.resume(with: Result { try body(connection) })
            }
        }
    }

    private func take() -> SQLiteConnection {
        condition.lock()
        defer { condition.unlock() }
        while idle.isEmpty { condition.wait() }
        return idle.removeLast()
    }

    private func give(_ connection: SQLiteConnection) {
        condition.lock()
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        idle.removeAll()
        condition.unlock()
    }
}
