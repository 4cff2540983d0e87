import Foundation

/// Read connections of one backend, handed out one caller at a time each; reads run off the
/// concurrency pool because database calls block.
final class ReaderPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [any SQLConnection]
    private let queue = DispatchQueue(label: "borg-store-readers", attributes: .concurrent)

    init(connections: [any SQLConnection]) {
        idle = connections
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

    private func take() -> any SQLConnection {
        condition.lock()
        defer { condition.unlock() }
        while idle.isEmpty { condition.wait() }
        return idle.removeLast()
    }

    private func give(_ connection: any SQLConnection) {
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
