import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation

/// The donor's work loop (`borg-client run`), composed of its pieces: the held tasks and `state.json`
/// (``TaskBook``), getting a task's files (``TaskPreparer``), running tasks (``TaskSupervisor``) and the
/// coordinators (``CoordinatorLink``). It keeps a small buffer of tasks sized to the allowed cores, runs
/// them under the donor's caps and reports them; a killed daemon resumes where it was.
public actor DonorDaemon {
    /// Timing knobs (tests shorten them).
    public struct Timing: Sendable {
        /// How often the loop looks at tasks and the configuration (a task that ends wakes it at once).
        public var tick: Duration = .milliseconds(250)
        /// Seconds between heartbeats.
        public var heartbeat: Double = 30
        /// Longest wait between work requests when the coordinator has nothing.
        public var maxIdlePoll: Double = 10
        /// Longest back-off while the coordinator is unreachable.
        public var maxBackoff: Double = 60
        /// Seconds between the storage host's inventories (pieces the grid no longer places here are deleted).
        public var inventory: Double = 3_600

        public init() {}
    }

    private let stop: StopSignal
    private let timing: Timing
    private let cores: Int
    private let clock: DonorClock
    private let log: @Sendable (String) -> Void
    private var configuration: DonorConfiguration
    private var watcher: ConfigurationWatcher
    private var book: TaskBook
    private let link: CoordinatorLink
    private let preparer: TaskPreparer
    private let supervisor: TaskSupervisor
    private let wakeup: Wakeup
    /// The storage donation, when the host lends disk.
    private let storage: StorageHost?
    /// Whether bubblewrap is installed, without which native apps cannot run here.
    private let nativeSandbox = DonorCaps.nativeSandboxInstalled

    /// Prepares a daemon for the host enrolled in `directory`.
    public init(
        directory: DataDirectory, stop: StopSignal, timing: Timing = Timing(),
        cores: Int = ProcessInfo.processInfo.activeProcessorCount, clock: DonorClock = .system,
        log: @escaping @Sendable (String) -> Void
    ) throws {
        self.stop = stop
        self.timing = timing
        self.cores = cores
        self.clock = clock
        self.log = log
        let configuration = try DonorConfiguration.load(from: directory)
        self.configuration = configuration
        watcher = ConfigurationWatcher(directory: directory)
        book = try TaskBook(directory: directory)
        let client = CoordinatorClient(coordinators: configuration.coordinators, credential: configuration.hostSecret, timeout: .seconds(30))
        link = CoordinatorLink(
            client: client, host: configuration.hostID, clock: clock, heartbeatInterval: timing.heartbeat,
            maxIdlePoll: timing.maxIdlePoll, maxBackoff: timing.maxBackoff, log: log)
        preparer = TaskPreparer(directory: directory, client: client)
        storage = try configuration.storage.map {
            try StorageHost(directory: directory, donation: $0, host: configuration.hostID, client: client,
                            offerInterval: min(timing.heartbeat, 10), inventoryInterval: timing.inventory, log: log)
        }
        let wakeup = Wakeup()
        self.wakeup = wakeup
        supervisor = try TaskSupervisor(
            directory: directory, cpuFraction: configuration.caps.cpuFraction, cores: cores, paused: configuration.paused,
            onRunEnded: { wakeup.signal() })
    }

    /// Runs until the stop signal; then ends running tasks (they resume from their checkpoints
    /// next time), saves the state and returns.
    public func run() async throws {
        let directory = book.directory
        try directory.create()
        try PidFile.write(in: directory)
        defer { PidFile.remove(from: directory) }
        try recoverAfterRestart()
        supervisor.startThrottle()
        defer { supervisor.stopThrottle() }
        try await storage?.start()
        log("host \(configuration.hostID) '\(configuration.name)' working for \(configuration.coordinators.joined(separator: ", ")) with \(configuration.caps.summary)\(configuration.paused ? " (paused)" : "")")
        while !stop.isStopped {
            await reloadConfigurationIfChanged()
            try await collectFinishedRuns()
            if await link.isOnline {
                await reportFinished()
                if let reply = await link.heartbeatIfDue(held: book.heldIDs) { await cancel(reply.cancelledTasks) }
                await storage?.offerIfDue(now: clock.now.timeIntervalSince1970)
                await storage?.inventoryIfDue(now: clock.now.timeIntervalSince1970)
                await fetchWorkIfRoom()
                await prepareAndStartTasks()
            }
            await wakeup.wait(upTo: timing.tick)
        }
        try await shutDown()
    }

    /// Ends the task processes a killed predecessor left running (found in `/proc`, whether `state.json`
    /// recorded them or not) and requeues their tasks.
    private func recoverAfterRestart() throws {
        for leftover in TaskProcesses.endLeftovers(in: book.directory) {
            log("ended the sandbox (pid \(leftover.pid)) that task \(leftover.task) left running when the client was killed")
        }
        let interrupted = book.tasks(in: .running)
        for task in interrupted { log("task \(task.id) was running when the client stopped; it resumes in its task directory") }
        try book.requeue(interrupted.map(\.id))
        if configuration.caps.allowsNative && !nativeSandbox {
            log("native apps are allowed but bubblewrap (bwrap) is not installed: asking for wasm work only")
        }
    }

    private func shutDown() async throws {
        log("stopping: ending \(await supervisor.runningCount) running task(s); they resume from their checkpoints on restart")
        for run in await supervisor.stopAll() { _ = try book.record(run, interrupted: true) }
        if await link.isOnline { await reportFinished() }
        await storage?.stop()
        log("stopped")
    }

    /// Picks up `borg-client config`, `pause` and `resume` while running.
    private func reloadConfigurationIfChanged() async {
        guard let updated = watcher.changedConfiguration() else { return }
        if let capacity = updated.storage?.capacityBytes, capacity != configuration.storage?.capacityBytes {
            await storage?.update(capacity: capacity)
        }
        if (updated.storage == nil) != (configuration.storage == nil) {
            log("storage donation switched \(updated.storage == nil ? "off" : "on"): restart 'borg-client run' to apply it")
        }
        configuration = updated
        log("configuration changed: \(updated.caps.summary)\(updated.paused ? " (paused)" : "")")
        await supervisor.update(cpuFraction: updated.caps.cpuFraction, paused: updated.paused)
    }

    private func collectFinishedRuns() async throws {
        for run in await supervisor.collectFinished() {
            guard let task = try book.record(run, interrupted: false) else { continue }
            let said = run.lastLine.map { "; app said: \($0)" } ?? ""
            let outcome = task.errorMessage.map { "with an error (\($0))" } ?? "successfully"
            log("task \(task.id) finished \(outcome) after \(task.runs) run(s), \(String(format: "%.1f", task.cpuSeconds)) s CPU\(said)")
        }
    }

    private func prepareAndStartTasks() async {
        guard !configuration.paused else { return }
        let slots = configuration.caps.concurrency(cores: cores)
        for task in book.tasks(in: .waiting) {
            guard await supervisor.runningCount < slots else { return }
            if task.assignment.deadline < clock.now.timeIntervalSince1970 {
                log("task \(task.id) missed its deadline before it could finish; dropping it")
                await discard(task.id)
                continue
            }
            if !offers(task.assignment.platform) {
                log("task \(task.id) needs \(task.assignment.platform), which this host no longer runs; giving it back")
                await link.abandon([task.id])
                await discard(task.id)
                continue
            }
            do {
                let app = try await preparer.prepare(task)
                let group = try await supervisor.start(task, app: app, caps: configuration.caps)
                let started = try book.markStarted(task, processGroup: group)
                log("task \(task.id) (\(task.assignment.project) \(task.assignment.workUnitName)) started, run \(started.runs)")
            } catch let error as DonorError {
                try? book.fail(task.id, error.description)
                log("task \(task.id) refused: \(error.description)")
            } catch {
                log("cannot prepare task \(task.id) yet: \(error)")
                await link.goOffline()
                return
            }
        }
    }

    /// Kills (if running) and forgets a task, deleting its files; `reported` counts it in the totals.
    private func discard(_ id: TaskID, reported: Bool = false) async {
        await supervisor.endRun(of: id)
        try? book.discard(id, reported: reported)
    }

    private func cancel(_ ids: [TaskID]) async {
        for id in ids where book[id] != nil {
            log("task \(id) was cancelled by the grid; discarding it")
            await discard(id)
        }
    }

    private func reportFinished() async {
        for task in book.tasks(in: .finished) {
            switch await link.report(task, directory: book.directory.taskDirectory(task.id)) {
            case .unreachable:
                return
            case .answered(let reply):
                let accepted = reply.accepted.contains(task.id)
                if accepted { log("task \(task.id) reported") }
                await discard(task.id, reported: accepted)
                await cancel(reply.cancelledTasks)
            case .refused(let error):
                log("task \(task.id) report refused (\(error)); discarding it")
                await discard(task.id)
            }
        }
    }

    /// Whether this host runs apps of `platform` now (native ones need the donor's consent and bubblewrap).
    private func offers(_ platform: String) -> Bool {
        configuration.caps.platforms(nativeSandbox: nativeSandbox).contains(platform)
    }

    /// Asks for work when the buffer and the disk cap have room. Every assignment is checked before it is
    /// held: one this host does not run, one beyond what was asked, or one too large for a task's share of
    /// the disk is given back; one whose sizes are impossible (negative, or adding up past 64 bits) is held
    /// only to be reported as an error, never run; one already held is ignored.
    private func fetchWorkIfRoom() async {
        guard !configuration.paused, await link.isWorkRequestDue else { return }
        let room = DiskRoom(caps: configuration.caps, cores: cores, directory: book.directory)
        let wanted = room.tasksToFetch(holding: book.count)
        let platforms = configuration.caps.platforms(nativeSandbox: nativeSandbox)
        guard wanted > 0, let reply = await link.requestWork(maxTasks: wanted, platforms: platforms, held: book.heldIDs)
        else { return }
        await cancel(reply.cancelledTasks)
        var admitted: [TaskAssignment] = []
        var impossible: [(TaskID, DonorError)] = []
        var refused: [TaskID] = []
        for assignment in reply.tasks where book[assignment.taskID] == nil {
            let id = assignment.taskID
            guard admitted.count < wanted else {
                log("task \(id) is more than the \(wanted) asked for; giving it back")
                refused.append(id)
                continue
            }
            guard platforms.contains(assignment.platform) else {
                log("task \(id) needs \(assignment.platform), which this host does not run; giving it back")
                refused.append(id)
                continue
            }
            do {
                if try room.fits(assignment) {
                    log("task \(id) assigned: \(assignment.project) \(assignment.workUnitName)")
                } else {
                    log("task \(id) needs \((try? DiskRoom.bytes(of: assignment)) ?? 0) bytes, more than this host's disk cap allows per task; giving it back")
                    refused.append(id)
                    continue
                }
            } catch {
                impossible.append((id, error))
            }
            admitted.append(assignment)
        }
        try? book.admit(admitted)
        for (id, error) in impossible {
            log("task \(id) refused: \(error.description)")
            try? book.fail(id, "task refused: \(error.description)")
        }
        if !refused.isEmpty { await link.abandon(refused) }
    }
}
