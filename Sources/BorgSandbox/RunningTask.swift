import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A task started by ``TaskRunner``: its process group, live usage, and eventual result.
public final class RunningTask: Sendable {
    private struct State {
        var result: SandboxResult?
        var waiters: [CheckedContinuation<SandboxResult, Never>] = []
        /// Set when the runner ends the run itself, to say why.
        var endedBy: (status: SandboxResult.Status, message: String)?
    }

    /// The process group (and pid) of the task's `borg-sandbox` process; the app runs in it too.
    public let processGroup: pid_t
    /// What is running.
    public let task: SandboxTask
    private let state = Mutex(State())
    private let started = ContinuousClock.now

    init(processGroup: pid_t, task: SandboxTask, throttle: CPUThrottle?, diskCheckInterval: Duration) {
        self.processGroup = processGroup
        self.task = task
        let thread = Thread { [self] in
            supervise(throttle: throttle, diskCheckInterval: diskCheckInterval)
        }
        thread.name = "borg-task-\(processGroup)"
        thread.start()
    }

    /// The CPU time and memory the task's processes are using now, from `/proc`.
    public var usage: ResourceUsage { ResourceUsage.processGroup(processGroup) }

    /// Whether the run has ended and its result is known.
    public var isFinished: Bool { state.withLock { $0.result != nil } }

    /// Kills the task's whole process group (SIGKILL); its result says
    /// ``SandboxResult/Status/killed``. Harmless after the run has ended.
    public func kill() {
        end(as: .killed, "killed by the runner")
    }

    /// Waits for the run to end and returns its result.
    public func result() async -> SandboxResult {
        await withCheckedContinuation { continuation in
            let ready: SandboxResult? = state.withLock { state in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func end(as status: SandboxResult.Status, _ message: String) {
        state.withLock { state in
            guard state.result == nil else { return }
            if state.endedBy == nil { state.endedBy = (status, message) }
            // The sandbox is not yet reaped (see supervise), so the group id cannot be reused.
            Glibc.kill(-processGroup, SIGKILL)
        }
    }

    /// Waits for `borg-sandbox` to exit, enforcing the disk limit meanwhile, then builds the
    /// result from its JSON file (or from the exit status when there is none).
    private func supervise(throttle: CPUThrottle?, diskCheckInterval: Duration) {
        let diskLimit = task.limits.diskBytes
        var nextDiskCheck = ContinuousClock.now
        var failedChecks = 0
        while !hasExited(blocking: diskLimit == nil) {
            if let diskLimit, ContinuousClock.now >= nextDiskCheck {
                nextDiskCheck = .now + diskCheckInterval
                failedChecks = checkDisk(limit: diskLimit, failedBefore: failedChecks)
            }
            usleep(20_000)
        }
        // Still a zombie, so the group id stays ours: end whatever the app left in the group and wait
        // until it is gone (a PID namespace takes a moment to die with its first process), then reap.
        Glibc.kill(-processGroup, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(5)
        while ResourceUsage.processGroup(processGroup).processCount > 0, ContinuousClock.now < deadline {
            usleep(10_000)
            Glibc.kill(-processGroup, SIGKILL)
        }
        throttle?.remove(processGroup)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(processGroup, &status, 0, &usage) < 0 && errno == EINTR {}
        let result = makeResult(status: WaitStatus(status), usage: usage)
        let waiters = state.withLock { state in
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Measures the task directory and ends the run if it holds more than `limit` bytes, or if it could
    /// not be measured three times in a row (an app that keeps its tree moving must not escape the
    /// limit). Returns the number of failed measurements in a row.
    private func checkDisk(limit: UInt64, failedBefore: Int) -> Int {
        do {
            if try DiskUsage.bytes(in: task.directory) > limit {
                end(as: .diskLimitExceeded, "task directory exceeded the disk limit of \(limit) bytes")
            }
            return 0
        } catch {
            if failedBefore >= 2 {
                end(as: .diskLimitExceeded, "the task directory could not be measured against the disk limit: \(error)")
            }
            return failedBefore + 1
        }
    }

    /// Whether `borg-sandbox` has exited, without reaping it.
    private func hasExited(blocking: Bool) -> Bool {
        var info = siginfo_t()
        let flags = WEXITED | WNOWAIT | (blocking ? 0 : WNOHANG)
        while true {
            if waitid(P_PID, id_t(processGroup), &info, flags) == 0 {
                return info._sifields._kill.si_pid == processGroup
            }
            if errno != EINTR { return true }  // ECHILD: nothing left to wait for
        }
    }

    private func makeResult(status: WaitStatus, usage: rusage) -> SandboxResult {
        let endedBy = state.withLock { $0.endedBy }
        let wall = (ContinuousClock.now - started) / .seconds(1)
        var result: SandboxResult
        if let data = FileManager.default.contents(atPath: task.resultPath),
            let written = try? JSONDecoder().decode(SandboxResult.self, from: data)
        {
            result = written
        } else {
            let cpu =
                Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            let how = status.signal.map { "was ended by signal \($0)" } ?? "exited with code \(status.exitCode ?? -1)"
            result = SandboxResult(
                status: endedBy == nil && status.signal == nil ? .failedToStart : .killed,
                cpuSeconds: cpu, wallSeconds: wall,
                message: "borg-sandbox \(how) without writing a result")
        }
        if let endedBy {
            result.status = endedBy.status
            result.exitCode = nil
            result.message = endedBy.message
        }
        return result
    }
}
