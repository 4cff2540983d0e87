/// Exponential back-off with full jitter for retrying an unreachable coordinator.
public struct Backoff: Sendable {
    public let minimum: Double
    public let maximum: Double
    /// Failures in a row.
    public private(set) var failures = 0

    public init(minimum: Double = 1, maximum: Double = 60) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Records a failure and returns the seconds to wait: uniform in
    /// [minimum, min(maximum, minimum × 2^failures)].
    public mutating func fail() -> Double {
        failures += 1
        let ceiling = min(maximum, minimum * Double(1 << min(failures, 20)))
        return Double.random(in: minimum...max(minimum, ceiling))
    }

    /// Records a success.
    public mutating func succeed() { failures = 0 }
}
