/// When to issue a backup task for a work unit that is running late.
public struct StragglerPolicy: Sendable, Equatable {
    /// A task is late when it has run this many times its host's expected time.
    public var lateFactor: Double
    /// Never call a task late before this many seconds.
    public var minimumSeconds: Double
    /// A batch is in its tail when at most this fraction of its work units is outstanding.
    public var tailFraction: Double
    /// ...or at most this many, whichever is larger.
    public var tailCount: Int

    public init(lateFactor: Double = 3, minimumSeconds: Double = 30, tailFraction: Double = 0.02, tailCount: Int = 2) {
        self.lateFactor = lateFactor
        self.minimumSeconds = minimumSeconds
        self.tailFraction = tailFraction
        self.tailCount = tailCount
    }

    /// Whether a task sent at `sentAt` to a host that usually takes `expectedSeconds` is late at `now`.
    /// Without an expectation only the deadline applies; callers give a new host the grid's typical
    /// turnaround (``expectation(host:typical:)``), so its stragglers get backups too.
    public func isLate(sentAt: Double, expectedSeconds: Double?, now: Double) -> Bool {
        guard let expectedSeconds, expectedSeconds > 0 else { return false }
        let elapsed = now - sentAt
        return elapsed >= minimumSeconds && elapsed >= lateFactor * expectedSeconds
    }

    /// What to expect of a host: its own turnaround once it has one, else the `typical` turnaround of the
    /// grid's hosts (a new host is assumed no faster than the others).
    public static func expectation(host: Double?, typical: Double?) -> Double? { host ?? typical }

    /// Whether a batch of `total` work units with `outstanding` not yet finished is in its tail.
    public func isTail(outstanding: Int, total: Int) -> Bool {
        guard outstanding > 0 else { return false }
        return outstanding <= max(tailCount, Int(Double(total) * tailFraction))
    }
}
