import Foundation

/// Collects latencies from concurrent tasks and reports percentiles.
final class LatencyRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Double] = []

    func record(_ seconds: Double) {
        lock.withLock { samples.append(seconds) }
    }

    /// The `p`-th percentile (0...100) in milliseconds.
    func percentile(_ p: Double) -> Double {
        let sorted = lock.withLock { samples.sorted() }
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((p / 100) * Double(sorted.count)))
        return sorted[index] * 1000
    }

    var count: Int { lock.withLock { samples.count } }
}
