import BorgAPIClient
import BorgCore
import BorgProtocol
import BorgSandbox
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The donor's work loop (`borg-client run`): keeps a small buffer of tasks sized to the allowed
/// cores, downloads and verifies apps and inputs, runs tasks in `borg-sandbox` under the donor's
/// caps, reports them, sends heartbeats, and keeps every step in the data directory so that a
/// killed daemon resumes where it was.
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

        public init() {}
    }

    private let directory: DataDirectory
    private let stop: StopSignal
    private let timing: Timing
    private let cores: Int
    private let log: @Sendable (String) -> Void
    private var configuration: DonorConfiguration
    private var configurationStamp: Date?
    private var state: DonorState
    private var client: CoordinatorClient
    private let throttle: CPUThrottle
    private let runner: TaskRunner
    private let verifier: AppSignatureVerifier
    private var running: [TaskID: RunningTask] = [:]
    private let wakeup = Wakeup()
    private var backoff: Backoff
    private var offlineUntil = Date.distantPast
    private var nextWorkRequest = Date.distantPast
    private var nextHeartbeat = Date.distantPast

    /// Prepares a daemon for the host enrolled in `directory`.
    public init(
        directory: DataDirectory, stop: StopSignal, timing: Timing = Timing(),
        cores: Int = ProcessInfo.processInfo.activeProcessorCount, log: @escaping @Sendable (String) -> Void
    ) throws {
        self.directory = directory
        self.stop = stop
        self.timing = timing
        self.cores = cores
        self.log = log
        configuration = try DonorConfiguration.load(from: directory)
        configurationStamp = Self.modificationDate(directory.configuration)
        state = try DonorState.load(from: directory)
        client = CoordinatorClient(coordinators: configuration.coordinators, credential: configuration.hostSecret, timeout: .seconds(30))
        throttle = try CPUThrottle(machineFraction: configuration.caps.cpuFraction, cores: cores)
        runner = try TaskRunner(sandboxExecutable: try TaskRunner.locateSandboxExecutable(), throttle: throttle)
        verifier = AppSignatureVerifier(directory: directory)
        backoff = Backoff(minimum: 1, maximum: timing.maxBackoff)
    }

    /// Runs until the stop signal; then ends running tasks (they resume from their checkpoints
    /// next time), saves the state and returns.
    public func run() async throws {
        try directory.create()
        try AtomicFile.write(Data("\(getpid())\n".utf8), to: directory.pidFile)
        defer { try? FileManager.default.removeItem(at: directory.pidFile) }
        try recoverAfterRestart()
        throttle.start()
        defer { throttle.stop() }
        log("host \(configuration.hostID) '\(configuration.name)' working for \(configuration.coordinators.joined(separator: ", ")) with \(configuration.caps.summary)\(configuration.paused ? " (paused)" : "")")
        while !stop.isStopped {
            reloadConfigurationIfChanged()
            try await collectFinishedRuns()
            if Date() >= offlineUntil {
                await reportFinished()
                await heartbeatIfDue()
                await fetchWorkIfRoom()
                await prepareAndStartTasks()
            }
            await wakeup.wait(upTo: timing.tick)
        }
        try await shutDown()
    }

    // MARK: Restart and shutdown

    /// Ends orphaned task processes of a killed predecessor and requeues their tasks.
    private func recoverAfterRestart() throws {
        for var task in state.tasks(in: .running) {
            if let group = task.processGroup { TaskProcesses.killLeftover(group) }
            task.phase = .waiting
            task.processGroup = nil
            state.tasks[task.id] = task
            log("task \(task.id) was running when the client stopped; it resumes in its task directory")
        }
        try state.save(to: directory)
    }

    private func shutDown() async throws {
        log("stopping: ending \(running.count) running task(s); they resume from their checkpoints on restart")
        for task in running.values { task.kill() }
        for (id, task) in running {
            let result = await task.result()
            guard var local = state.tasks[id] else { continue }
            local.cpuSeconds += result.cpuSeconds
            local.fuel += Double(result.fuelUsed ?? 0)
            local.phase = .waiting
            local.processGroup = nil
            state.tasks[id] = local
        }
        running = [:]
        try state.save(to: directory)
        if Date() >= offlineUntil { await reportFinished() }
        log("stopped")
    }

    // MARK: Configuration

    private static func modificationDate(_ url: URL) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
    }

    /// Picks up `borg-client config`, `pause` and `resume` while running.
    private func reloadConfigurationIfChanged() {
        let stamp = Self.modificationDate(directory.configuration)
        guard stamp != configurationStamp, let updated = try? DonorConfiguration.load(from: directory) else { return }
        configurationStamp = stamp
        let wasPaused = configuration.paused
        configuration = updated
        try? throttle.setMachineFraction(updated.caps.cpuFraction)
        log("configuration changed: \(updated.caps.summary)\(updated.paused ? " (paused)" : "")")
        if updated.paused && !wasPaused {
            for task in running.values {
                throttle.remove(task.processGroup)
                kill(-task.processGroup, SIGSTOP)
            }
        } else if !updated.paused && wasPaused {
            for task in running.values {
                kill(-task.processGroup, SIGCONT)
                throttle.add(task.processGroup)
            }
        }
    }

    // MARK: Running tasks

    private func collectFinishedRuns() async throws {
        for (id, task) in running where task.isFinished {
            let result = await task.result()
            running[id] = nil
            guard var local = state.tasks[id] else { continue }
            local.cpuSeconds += result.cpuSeconds
            local.fuel += Double(result.fuelUsed ?? 0)
            local.processGroup = nil
            local.phase = .finished
            if !result.succeeded {
                let exit = result.exitCode.map { " (exit code \($0))" } ?? ""
                local.errorMessage = "app \(result.status.rawValue)\(exit): \(result.message ?? lastLine(of: id) ?? "no message")"
            }
            state.tasks[id] = local
            try state.save(to: directory)
            let said = lastLine(of: id).map { "; app said: \($0)" } ?? ""
            log("task \(id) finished \(result.succeeded ? "successfully" : "with an error") after \(local.runs) run(s), \(String(format: "%.1f", local.cpuSeconds)) s CPU\(said)")
        }
    }

    /// The last line the app wrote to its standard error.
    private func lastLine(of id: TaskID) -> String? {
        let url = directory.taskDirectory(id).appendingPathComponent("stderr.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").last.map(String.init)
    }

    private func prepareAndStartTasks() async {
        guard !configuration.paused else { return }
        let slots = configuration.caps.concurrency(cores: cores)
        for task in state.tasks(in: .waiting) where running.count < slots {
            if task.assignment.deadline < Date().timeIntervalSince1970 {
                log("task \(task.id) missed its deadline before it could finish; dropping it")
                discard(task.id)
                continue
            }
            do {
                let app = try await prepare(task)
                try start(task, app: app)
            } catch let error as DonorError {
                fail(task.id, error.description)
            } catch {
                log("cannot prepare task \(task.id) yet: \(error)")
                goOffline()
                return
            }
        }
    }

    /// Downloads (or finds cached) the app and inputs of `task`, verifying hashes and the app's
    /// signature; returns the app's path. A ``DonorError`` means the task can never run.
    private func prepare(_ task: LocalTask) async throws -> URL {
        let assignment = task.assignment
        let app = directory.apps.appendingPathComponent(assignment.app.sha256)
        let appData: Data
        if let cached = FileManager.default.contents(atPath: app.path) {
            appData = cached
        } else {
            appData = try await client.download(assignment.app.sha256)
        }
        try verifier.verify(app: appData, project: assignment.project, sha256: assignment.app.sha256,
            signature: assignment.appSignature, publicKey: assignment.projectPublicKey)
        if !FileManager.default.fileExists(atPath: app.path) {
            try AtomicFile.write(appData, to: app)
            chmod(app.path, 0o755)
        }
        let taskDirectory = directory.taskDirectory(task.id)
        let inputs = taskDirectory.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: taskDirectory.appendingPathComponent("out"), withIntermediateDirectories: true)
        for input in assignment.inputs {
            guard !input.name.isEmpty, !input.name.contains("/"), input.name != "..", input.name != "." else {
                throw DonorError("input name '\(input.name)' is not a plain file name")
            }
            let file = inputs.appendingPathComponent(input.name)
            if FileManager.default.fileExists(atPath: file.path) { continue }
            try AtomicFile.write(try await client.download(input.sha256), to: file)
        }
        return app
    }

    private func start(_ task: LocalTask, app: URL) throws {
        let caps = configuration.caps
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
        Task { [wakeup] in
            _ = await started.result()
            wakeup.signal()
        }
        var local = task
        local.phase = .running
        local.processGroup = started.processGroup
        local.runs += 1
        state.tasks[task.id] = local
        try state.save(to: directory)
        log("task \(task.id) (\(task.assignment.project) \(task.assignment.workUnitName)) started, run \(local.runs)")
    }

    /// Marks a task failed without running it; it is reported as an error.
    private func fail(_ id: TaskID, _ message: String) {
        guard var local = state.tasks[id] else { return }
        local.phase = .finished
        local.errorMessage = message
        state.tasks[id] = local
        try? state.save(to: directory)
        log("task \(id) refused: \(message)")
    }

    /// Kills (if running) and forgets a task, deleting its files.
    private func discard(_ id: TaskID) {
        running.removeValue(forKey: id)?.kill()
        state.tasks[id] = nil
        try? state.save(to: directory)
        try? FileManager.default.removeItem(at: directory.taskDirectory(id))
        unlink(directory.taskDirectory(id).path + ".result.json")
    }

    // MARK: Talking to the coordinator

    private func goOffline() {
        let wait = backoff.fail()
        offlineUntil = Date().addingTimeInterval(wait)
        log("coordinator unreachable; retrying in \(String(format: "%.1f", wait)) s, computing meanwhile")
    }

    private func cameOnline() {
        if backoff.failures > 0 { log("coordinator reachable again") }
        backoff.succeed()
    }

    /// Runs a coordinator call; a connection failure or 5xx sends the daemon offline and returns nil.
    private func contact<T: Sendable>(_ what: String, _ body: () async throws -> T) async -> Result<T, APIClientError>? {
        guard Date() >= offlineUntil else { return nil }
        do {
            let value = try await body()
            cameOnline()
            return .success(value)
        } catch let error as APIClientError where error.status != nil && error.status! < 500 {
            cameOnline()
            return .failure(error)
        } catch {
            log("\(what) failed: \(error)")
            goOffline()
            return nil
        }
    }

    private func cancel(_ ids: [TaskID]) {
        for id in ids where state.tasks[id] != nil {
            log("task \(id) was cancelled by the grid; discarding it")
            discard(id)
        }
    }

    private func reportFinished() async {
        for task in state.tasks(in: .finished) {
            let host = configuration.hostID
            let client = self.client
            let directory = self.directory.taskDirectory(task.id)
            let outcome = await contact("report of task \(task.id)") {
                let report = try await TaskReportBuilder.report(for: task, directory: directory, client: client, host: host)
                return try await client.report(host: host, [report])
            }
            switch outcome {
            case nil: return
            case .success(let reply):
                if reply.accepted.contains(task.id) {
                    state.reported += 1
                    state.cpuSeconds += task.cpuSeconds
                    if task.errorMessage != nil { state.reportedErrors += 1 }
                    log("task \(task.id) reported")
                }
                discard(task.id)
                cancel(reply.cancelledTasks)
            case .failure(let error):
                log("task \(task.id) report refused (\(error)); discarding it")
                discard(task.id)
            }
        }
    }

    private func heartbeatIfDue() async {
        guard Date() >= nextHeartbeat else { return }
        let ids = Array(state.tasks.keys)
        let host = configuration.hostID
        let client = self.client
        guard let outcome = await contact("heartbeat", { try await client.heartbeat(host: host, running: ids) }) else { return }
        nextHeartbeat = Date().addingTimeInterval(timing.heartbeat)
        if case .success(let reply) = outcome {
            client.learn(reply.coordinators)
            cancel(reply.cancelledTasks)
        }
    }

    /// How many more tasks fit in the buffer and on the disk.
    private func room() -> Int {
        let caps = configuration.caps
        let free = caps.buffer(cores: cores) - state.tasks.count
        let used = ((try? DiskUsage.bytes(in: directory.tasks.path)) ?? 0) + ((try? DiskUsage.bytes(in: directory.apps.path)) ?? 0)
        let perTask = max(1, caps.diskPerTask(cores: cores))
        let fitting = used >= caps.diskBytes ? 0 : Int((caps.diskBytes - used) / perTask)
        return min(free, fitting)
    }

    private func fetchWorkIfRoom() async {
        guard !configuration.paused, Date() >= nextWorkRequest else { return }
        let wanted = room()
        guard wanted > 0 else { return }
        let host = configuration.hostID
        let client = self.client
        let held = Array(state.tasks.keys)
        guard let outcome = await contact("work request", { try await client.requestWork(host: host, maxTasks: wanted, held: held) })
        else { return }
        switch outcome {
        case .success(let reply):
            client.learn(reply.coordinators)
            cancel(reply.cancelledTasks)
            nextWorkRequest = Date().addingTimeInterval(
                reply.tasks.isEmpty ? min(reply.retryAfterSeconds ?? 5, timing.maxIdlePoll) : 0)
            var refused: [TaskID] = []
            for assignment in reply.tasks {
                let size = assignment.app.size + assignment.inputs.reduce(0) { $0 + $1.size }
                if UInt64(max(0, size)) > configuration.caps.diskPerTask(cores: cores) {
                    log("task \(assignment.taskID) needs \(size) bytes, more than this host's disk cap allows per task; giving it back")
                    refused.append(assignment.taskID)
                    continue
                }
                state.tasks[assignment.taskID] = LocalTask(assignment: assignment)
                log("task \(assignment.taskID) assigned: \(assignment.project) \(assignment.workUnitName)")
            }
            try? state.save(to: directory)
            if !refused.isEmpty {
                _ = await contact("abandon") { try await client.abandon(host: host, tasks: refused) }
            }
        case .failure(let error):
            log("work request refused: \(error)")
            nextWorkRequest = Date().addingTimeInterval(timing.maxIdlePoll)
        }
    }
}
