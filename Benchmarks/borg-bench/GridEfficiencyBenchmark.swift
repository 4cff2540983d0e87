import ArgumentParser
import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import Foundation

/// `borg-bench grid-efficiency`: a CPU-bound native batch (the montecarlo project) computed by local
/// donors, one per core, against the baseline of the same work units run natively, one process per
/// core, without Borg. The ratio is baseline wall time over grid wall time (target ≥ 0.95). There each
/// donor's cap is a core's worth, which its one single-threaded task never exceeds, so nothing is
/// throttled; a second grid run with caps that bind (half a core's worth by default) measures the
/// throttle: its throughput against the uncapped grid's in the same run, over what the caps allow.
struct GridEfficiencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid-efficiency",
        abstract: "Local donors vs one native process per core on the same CPU-bound batch (target ratio ≥ 0.95).")

    @Option(help: "Work units.")
    var units = 16

    @Option(help: "Monte Carlo samples per work unit (3×10^8 is about 5 s of CPU here).")
    var samples = 300_000_000

    @Option(help: "Each donor's CPU cap in the capped run, in % of the machine (default: half a core's worth).")
    var cappedCPU: Int?

    func validate() throws {
        guard units > 0, samples > 0 else { throw ValidationError("--units and --samples must be positive") }
        if let cappedCPU, !(1...100).contains(cappedCPU) { throw ValidationError("--capped-cpu must be 1 to 100") }
    }

    /// The repository's montecarlo project.
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Projects/montecarlo")

    func run() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let directory = try TemporaryDirectory(prefix: "borg-bench-efficiency")
        defer { directory.remove() }
        let inputs = (0..<units).map { "\(1000 + $0) \(samples)\n" }
        print("grid efficiency: \(units) montecarlo work units × \(samples) samples on \(cores) cores")

        let baseline = try runNatively(inputs, workers: cores, in: directory.url.appendingPathComponent("native"))
        print(String(format: "baseline, the app run directly, %d processes at once: %.2f s", cores, baseline))
        let uncapped = 100 / cores
        let grid = try await runOnGrid(inputs, donors: cores, cpuPercent: uncapped, in: directory.url.appendingPathComponent("grid"))
        print(String(format: "grid, %d donors at %d%% CPU each (a core's worth: no throttling), replication 1: %.2f s",
            cores, uncapped, grid))
        print(String(format: "ratio baseline / grid: %.3f (target ≥ 0.95)", baseline / grid))

        // Each donor's one task wants a core, `uncapped` % of the machine; a cap below that binds.
        let capped = cappedCPU ?? max(1, 50 / cores)
        let throttled = try await runOnGrid(inputs, donors: cores, cpuPercent: capped,
            in: directory.url.appendingPathComponent("capped"))
        let allowed = min(1, Double(capped) / Double(uncapped))
        let throughput = grid / throttled
        print(String(format: "grid, %d donors at %d%% CPU each (caps bind), replication 1: %.2f s", cores, capped, throttled))
        print(String(format: "throughput capped / uncapped grid in this run: %.3f; the caps allow %.3f; throttled efficiency %.3f",
            throughput, allowed, throughput / allowed))
    }

    /// Runs every input through the app in its own task directory, `workers` at a time; returns the wall time.
    func runNatively(_ inputs: [String], workers: Int, in directory: URL) throws -> Double {
        let app = Self.project.appendingPathComponent("app/montecarlo-linux-x86_64")
        var pending = Array(inputs.enumerated())
        var running: [Process] = []
        let start = ContinuousClock.now
        while !pending.isEmpty || !running.isEmpty {
            running.removeAll { !$0.isRunning }
            while running.count < workers, let (index, input) = pending.first {
                pending.removeFirst()
                let task = directory.appendingPathComponent("task\(index)")
                try FileManager.default.createDirectory(at: task.appendingPathComponent("in"), withIntermediateDirectories: true)
                try FileManager.default.createDirectory(at: task.appendingPathComponent("out"), withIntermediateDirectories: true)
                try Data(input.utf8).write(to: task.appendingPathComponent("in/params"))
                let process = Process()
                process.executableURL = app
                process.currentDirectoryURL = task
                try process.run()
                running.append(process)
            }
            usleep(5_000)
        }
        return LifecycleBenchmark.seconds(ContinuousClock.now - start)
    }

    /// Submits the inputs as a batch (replication 1) to a coordinator with `donors` local donors, each
    /// capped at `cpuPercent` % of the machine; returns the wall time from submission to the last
    /// canonical output.
    func runOnGrid(_ inputs: [String], donors: Int, cpuPercent: Int, in directory: URL) async throws -> Double {
        let server = try ServerProcess(dataDirectory: directory.appendingPathComponent("coordinator"))
        defer { server.stop() }
        let admin = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
        let submit = BuildProducts.executable("borg-submit")
        let environment = ["BORG_COORDINATOR": server.url, "BORG_API_KEY": try server.adminKey]
        let keys = directory.appendingPathComponent("keys")
        try check(try CommandRunner.run(submit, ["keys", "create", "--out", keys.path]), "keys create")
        try check(try CommandRunner.run(submit, [
            "project", "create", "--manifest", Self.project.appendingPathComponent("manifest.json").path,
            "--signing-key", keys.appendingPathComponent("signing.key").path,
        ], environment: environment), "project create")

        var clients: [ClientProcess] = []
        defer { for client in clients { client.stop() } }
        for i in 0..<donors {
            let token = try await admin.createDonor(name: "donor-\(i)").enrollmentToken
            let data = directory.appendingPathComponent("donor-\(i)")
            try check(try CommandRunner.run(BuildProducts.executable("borg-client"), [
                "enroll", server.url, "--token", token, "--cpu", "\(cpuPercent)%", "--data-dir", data.path,
            ]), "enroll")
            clients.append(try ClientProcess(dataDirectory: data))
        }
        let units = directory.appendingPathComponent("units")
        for (index, input) in inputs.enumerated() {
            let unit = units.appendingPathComponent(String(format: "montecarlo-%05d", index))
            try FileManager.default.createDirectory(at: unit, withIntermediateDirectories: true)
            try Data(input.utf8).write(to: unit.appendingPathComponent("params"))
        }
        let start = ContinuousClock.now
        let submitted = try CommandRunner.run(submit, [
            "batch", "submit", "montecarlo", "--inputs", units.path, "--replication", "1", "--quorum", "1", "--quiet",
        ], environment: environment)
        try check(submitted, "batch submit")
        guard let batch = BatchID(submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("batch submit printed no batch id: \(submitted.stdout)")
        }
        while true {
            let status = try await admin.batchStatus(batch)
            if status.state != .active {
                guard status.completed == inputs.count else { throw HarnessError("batch ended as \(status)") }
                return LifecycleBenchmark.seconds(ContinuousClock.now - start)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func check(_ result: CommandResult, _ what: String) throws {
        guard result.status == 0 else { throw HarnessError("\(what) failed: \(result.stderr)") }
    }
}
