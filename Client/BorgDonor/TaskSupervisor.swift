import BorgCore
import BorgSandbox
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs held tasks, each in its own `borg-sandbox` process group (``TaskRunner``), duty-cycled together
/// by one ``CPUThrottle`` to the donor's CPU share: starts runs, pauses and resumes them (SIGSTOP and
/// SIGCONT), collects the ones that ended, and stops every run when the daemon stops. (A killed
/// predecessor's runs are ended by ``TaskProcesses``.)
public actor TaskSupervisor {
    private let directory: DataDirectory
    private let cores: Int
    private let throttle: CPUThrottle
    private let runner: TaskRunner
    private let onRunEnded: @Sendable () -> Void
    private var running: [TaskID: RunningTask] = [:]
    private var paused: Bool

    /// A supervisor of `directory`'s tasks on `cores` cores, throttled to `cpuFraction` of the machine
    /// and paused or not; `onRunEnded` is called whenever a run ends. Throws if `borg-sandbox` is not
    /// found (``TaskRunner/locateSandboxExecutable(environment:)``).
    public init(
        directory: DataDirectory, cpuFraction: Double, cores: Int, paused: Bool,
        onRunEnded: @escaping @Sendable () -> Void
    ) throws {
        self.directory = directory
        self.cores = cores
        self.paused = paused
        self.onRunEnded = onRunEnded
        throttle = try CPUThrottle(machineFraction: cpuFraction, cores: cores)
        runner = try TaskRunner(sandboxExecutable: try TaskRunner.locateSandboxExecutable(), throttle: throttle)
    }

    /// Starts duty-cycling the running tasks.
    public nonisolated func startThrottle() { throttle.start() }

    /// Stops duty-cycling (every task left is continued).
    public nonisolated func stopThrottle() { throttle.stop() }

    /// How many runs are going on.
    public var runningCount: Int { running.count }

    /// Starts a run of `task` with the app file `app` in its task directory, under `caps`; returns the
    /// run's process group.
    public func start(_ task: LocalTask, app: URL, caps: DonorCaps) throws(DonorError) -> Int32 {
        let runtime: SandboxRuntime = task.assignment.platform == "wasm" ? .wasm : .native
        let sandboxTask = SandboxTask(
            runtime: runtime, app: app.path, directory: directory.taskDirectory(task.id).path,
            limits: TaskLimits(cpuFraction: caps.cpuFraction, memoryBytes: caps.memoryPerTask(cores: cores),
                diskBytes: caps.diskPerTask(cores: cores)))
        let started: RunningTask
        do {
            started = try runner.start(sandboxTask)
        } catch {
            throw DonorError("cannot start the sandbox: \(error)")
        }
        running[task.id] = started
        Task { [onRunEnded] in
            _ = await started.result()
            onRunEnded()
        }
        return started.processGroup
    }

    /// Applies a changed CPU share and pause flag: pausing takes every run off the throttle and stops it
    /// (SIGSTOP), resuming continues them (SIGCONT) under the throttle again.
    public func update(cpuFraction: Double, paused: Bool) {
        try? throttle.setMachineFraction(cpuFraction)
        guard paused != self.paused else { return }
        self.paused = paused
        for task in running.values {
            if paused {
                throttle.remove(task.processGroup)
                kill(-task.processGroup, SIGSTOP)
            } else {
                kill(-task.processGroup, SIGCONT)
                throttle.add(task.processGroup)
            }
        }
    }

    /// Removes and returns the runs that ended since the last call.
    public func collectFinished() async -> [FinishedRun] {
        var finished: [FinishedRun] = []
        for (id, task) in running where task.isFinished {
            running[id] = nil
            finished.append(await ended(id, task))
        }
        return finished
    }

    /// Kills `id`'s run, if it has one, and forgets it.
    public func endRun(of id: TaskID) {
        running.removeValue(forKey: id)?.kill()
    }

    /// Kills every run and returns them once they have ended: the daemon is stopping, and the tasks
    /// resume from their checkpoints next time.
    public func stopAll() async -> [FinishedRun] {
        for task in running.values { task.kill() }
        var stopped: [FinishedRun] = []
        for (id, task) in running { stopped.append(await ended(id, task)) }
        running = [:]
        return stopped
    }

    private func ended(_ id: TaskID, _ task: RunningTask) async -> FinishedRun {
        FinishedRun(taskID: id, result: await task.result(), lastLine: lastLine(of: id))
    }

    /// The last line the app wrote to its standard error (read from the file's end, never through a link).
    private func lastLine(of id: TaskID) -> String? {
        guard let tail = (try? TaskDirectory(directory.taskDirectory(id).path))?.tail(of: "stderr.txt", bytes: 4096)
        else { return nil }
        return String(decoding: tail, as: UTF8.self).split(separator: "\n").last.map(String.init)
    }
}
