import Foundation

/// Runs blocking calls (dqlite membership requests) off the concurrency pool.
enum Blocking {
    private static let queue = DispatchQueue(label: "borg-cluster-blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
