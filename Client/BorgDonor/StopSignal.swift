import Synchronization

/// A flag set once (by SIGTERM, SIGINT or a caller) to make the daemon finish cleanly.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks the daemon to stop.
    public func stop() { flag.store(true, ordering: .sequentiallyConsistent) }

    /// Whether a stop was asked for.
    public var isStopped: Bool { flag.load(ordering: .sequentiallyConsistent) }
}
