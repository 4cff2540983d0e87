/// A point in monotonic time by which an operation must finish.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(after seconds: Double) {
        instant = ContinuousClock.now.advanced(by: .nanoseconds(Int64(max(0, seconds) * 1e9)))
    }

    /// Seconds left, never negative.
    var remainingSeconds: Double {
        let left = ContinuousClock.now.duration(to: instant)
        let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18
        return max(0, seconds)
    }

    var isExpired: Bool { ContinuousClock.now >= instant }

    /// Milliseconds left for `poll(2)`, rounded up so that a non-expired deadline never polls with 0.
    var pollMilliseconds: Int32 {
        let ms = (remainingSeconds * 1000).rounded(.up)
        return Int32(min(ms, Double(Int32.max)))
    }

    /// The earlier of this deadline and one `seconds` from now.
    func capped(at seconds: Double) -> Deadline {
        let other = Deadline(after: seconds)
        return other.instant < instant ? other : self
    }
}
