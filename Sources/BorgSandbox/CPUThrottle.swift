import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Holds a set of running tasks to a fraction of the whole machine's CPU by duty-cycling
/// them with SIGSTOP/SIGCONT.
///
/// With fraction `f` of `cores` cores, the tasks together may use `f × cores × period` CPU seconds
/// every `period`, however many tasks there are and however many threads or processes each runs.
/// Each period they run for ``runTime(allowance:rate:period:)`` (what is left of that allowance at
/// the rate they used CPU while running lately, measured from `/proc`) and are stopped for the
/// rest; what they used beyond it (a late stop, a changed rate) is taken from the next period's.
/// A task is a process group (the sandbox and the app it started), signalled as a whole. The
/// fraction and the set of tasks can change while it runs.
public final class CPUThrottle: Sendable {
    private struct State {
        var fraction: Double
        var groups: Set<pid_t> = []
        var running = false
        var generation = 0
    }

    /// The number of cores the fraction is taken of.
    public let cores: Int
    /// The length of one run/stop cycle.
    public let period: Duration
    private let state: Mutex<State>

    /// Creates a throttle that is not yet running (see ``start()``).
    public init(
        machineFraction: Double,
        cores: Int = ProcessInfo.processInfo.activeProcessorCount,
        period: Duration = .milliseconds(100)
    ) throws(SandboxError) {
        try TaskLimits(cpuFraction: machineFraction).validate()
        guard cores > 0 else { throw .invalidLimit("cores must be positive, got \(cores)") }
        guard period >= .milliseconds(10) else { throw .invalidLimit("period must be at least 10 ms") }
        self.cores = cores
        self.period = period
        state = Mutex(State(fraction: machineFraction))
    }

    /// The seconds the tasks may run in a period of `period` seconds: the CPU seconds they may still
    /// use (`allowance`) over the rate, in cores, at which they use CPU while running; the whole period
    /// at most, none while they are in debt.
    public static func runTime(allowance: Double, rate: Double, period: Double) -> Double {
        guard allowance > 0 else { return 0 }
        guard rate > 0 else { return period }
        return min(period, allowance / rate)
    }

    /// The share of the whole machine (0...1] the throttled tasks may use together; settable
    /// at any time, taking effect from the next period.
    public var machineFraction: Double {
        state.withLock { $0.fraction }
    }

    /// Changes ``machineFraction``; throws if `fraction` is not in (0, 1].
    public func setMachineFraction(_ fraction: Double) throws(SandboxError) {
        try TaskLimits(cpuFraction: fraction).validate()
        state.withLock { $0.fraction = fraction }
    }

    /// The process groups being throttled.
    public var processGroups: Set<pid_t> {
        state.withLock { $0.groups }
    }

    /// Starts throttling the process group `group`.
    public func add(_ group: pid_t) {
        state.withLock { _ = $0.groups.insert(group) }
    }

    /// Stops throttling `group` and lets it run (SIGCONT) if it was stopped.
    public func remove(_ group: pid_t) {
        state.withLock { state in
            if state.groups.remove(group) != nil { kill(-group, SIGCONT) }
        }
    }

    /// Starts the duty-cycling thread; does nothing if it is already running. The thread keeps
    /// the throttle alive until ``stop()``.
    public func start() {
        let generation: Int? = state.withLock { state in
            guard !state.running else { return nil }
            state.running = true
            state.generation += 1
            return state.generation
        }
        guard let generation else { return }
        let thread = Thread { [self] in cycle(generation: generation) }
        thread.name = "borg-cpu-throttle"
        thread.start()
    }

    /// Stops duty-cycling and lets every task run; the tasks stay registered.
    public func stop() {
        state.withLock { state in
            state.running = false
            for group in state.groups { kill(-group, SIGCONT) }
        }
    }

    /// The duty-cycling loop; ends when ``stop()`` is called (or a newer loop was started).
    private func cycle(generation: Int) {
        let periodNanos = period.nanoseconds
        let periodSeconds = Double(periodNanos) / 1e9
        var meter = GroupCPUMeter()
        var allowance = 0.0
        // CPU seconds used and seconds run in recent periods, each period weighing 0.8 of the next: their
        // ratio is the rate at which the tasks use CPU while they run (before any measurement: every core).
        var recentUse = Double(cores) * periodSeconds
        var recentRun = periodSeconds
        var cycleStart = Self.monotonicNanos()
        while true {
            // Run phase: every task goes while the allowance lasts (a task added while in debt is stopped).
            let runFor: Double? = state.withLock { state in
                guard state.running, state.generation == generation else { return nil }
                let budget = state.fraction * Double(cores) * periodSeconds
                allowance = min(allowance + budget, budget)
                let runFor = state.fraction >= 1
                    ? periodSeconds
                    : Self.runTime(allowance: allowance, rate: recentUse / recentRun, period: periodSeconds)
                signalAll(&state, runFor > 0 ? SIGCONT : SIGSTOP)
                return runFor
            }
            guard let runFor else { return }
            if runFor < periodSeconds {
                Self.sleep(until: cycleStart + Int64(runFor * 1e9))
                // Stop phase, under the lock so that remove() and stop() never race it.
                let stillRunning = state.withLock { state in
                    guard state.running, state.generation == generation else { return false }
                    signalAll(&state, SIGSTOP)
                    return true
                }
                guard stillRunning else { return }
            }
            cycleStart += periodNanos
            let now = Self.monotonicNanos()
            if cycleStart < now - periodNanos { cycleStart = now }  // fell behind (machine suspended)
            Self.sleep(until: cycleStart)
            // What the tasks used this period, a late stop included, is charged to the allowance.
            let groups = processGroups
            let used = meter.used(by: groups)
            if !groups.isEmpty {
                allowance -= used
                recentUse = 0.8 * recentUse + used
                recentRun = 0.8 * recentRun + runFor
            }
        }
    }

    /// Sends `signal` to every group, forgetting the groups that no longer exist.
    private func signalAll(_ state: inout State, _ signal: Int32) {
        for group in state.groups where kill(-group, signal) != 0 && errno == ESRCH {
            state.groups.remove(group)
        }
    }

    private static func monotonicNanos() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    private static func sleep(until deadline: Int64) {
        var target = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
