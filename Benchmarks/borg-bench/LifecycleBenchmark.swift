import ArgumentParser
import BorgAPIClient
import BorgHarness
import Foundation

/// Full-lifecycle throughput: concurrent simulated hosts drive request → report → validate → credit
/// against a coordinator, with group commit and (as the baseline) without; or against replicated
/// coordinators, with one coordinator on embedded SQLite as the baseline.
struct LifecycleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifecycle", abstract: "Full-lifecycle tasks per second at quorum 2, and work-request latency.")

    @Option(help: "Simulated hosts (each its own donor).")
    var hosts = 32

    @Option(help: "Work units per run (2 tasks each).")
    var workUnits = 20_000

    @Option(help: "Tasks per work request and per report.")
    var tasksPerRequest = 16

    @Flag(help: "Skip the baseline run (without group commit; with --coordinators, a single coordinator).")
    var noBaseline = false

    @Option(help: "Replicated coordinators on one dqlite cluster (1 = a single coordinator on embedded SQLite).")
    var coordinators = 1

    @Option(help: ArgumentHelp(
        "Use this borg-server executable (e.g. an earlier commit's release build) as the baseline, with the same settings.",
        valueName: "PATH"))
    var baselineServer: String?

    @Option(help: "Measure each side this many times, alternating, and compare the medians.")
    var rounds = 1

    func validate() throws {
        guard (1...7).contains(coordinators) else { throw ValidationError("--coordinators must be 1 to 7, got \(coordinators)") }
        guard (1...9).contains(rounds) else { throw ValidationError("--rounds must be 1 to 9, got \(rounds)") }
        if let baselineServer {
            guard coordinators == 1 else { throw ValidationError("--baseline-server compares single coordinators; drop --coordinators") }
            guard FileManager.default.isExecutableFile(atPath: baselineServer) else {
                throw ValidationError("--baseline-server: '\(baselineServer)' is not an executable file")
            }
        }
    }

    struct Figures {
        var tasksPerSecond: Double
        var p50: Double
        var p99: Double
    }

    func run() async throws {
        print("lifecycle benchmark: \(hosts) hosts, \(workUnits) work units × 2 tasks, \(tasksPerRequest) tasks per request, \(coordinators) coordinator(s)")
        if let baselineServer { return try await compare(with: URL(fileURLWithPath: baselineServer)) }
        let replicated = coordinators > 1
        let measured = try await measure(label: replicated ? "\(coordinators) replicated coordinators" : "group commit",
                                         serverArguments: [], coordinators: coordinators)
        if !noBaseline {
            let baseline = replicated
                ? try await measure(label: "one coordinator, embedded SQLite (baseline)", serverArguments: [], coordinators: 1)
                : try await measure(label: "one transaction per request (baseline)", serverArguments: ["--write-batch", "1"],
                                    coordinators: 1)
            print(String(format: "ratio %@ / baseline: %.2f×", replicated ? "replicated" : "group commit",
                         measured.tasksPerSecond / baseline.tasksPerSecond))
        }
        // Not a baseline: a constant from another system on other hardware, never run here.
        print(String(format: "for scale only, not a same-run baseline: %.0f× the constant 102 tasks/s (BOINC's published 2005 figure of 8.8 M tasks/day)",
            measured.tasksPerSecond / 102))
    }

    /// This build against another build of `borg-server`, alternating, `rounds` times each.
    func compare(with baseline: URL) async throws {
        var mine: [Double] = []
        var theirs: [Double] = []
        for round in 1...rounds {
            mine.append(try await measure(label: "round \(round): this build", serverArguments: [], coordinators: 1).tasksPerSecond)
            theirs.append(try await measure(label: "round \(round): \(baseline.path) (baseline)", serverArguments: [],
                                            coordinators: 1, executable: baseline).tasksPerSecond)
        }
        print(String(format: "median tasks/s: this build %.0f, baseline %.0f; ratio this build / baseline: %.2f×",
                     median(mine), median(theirs), median(mine) / median(theirs)))
    }

    func measure(label: String, serverArguments: [String], coordinators: Int,
                 executable: URL = BuildProducts.executable("borg-server")) async throws -> Figures {
        let grid = try await GridSetup.start(hostCount: hosts, serverArguments: serverArguments + ["--tick", "5"],
                                             coordinators: coordinators, executable: executable)
        defer { grid.stop() }
        let batches = try await grid.submit(workUnits: workUnits)
        let latency = LatencyRecorder()
        let start = ContinuousClock.now
        let reported = try await grid.drive(tasksPerRequest: tasksPerRequest, latency: latency)
        let elapsed = Self.seconds(ContinuousClock.now - start)
        var completed = 0
        for batch in batches { completed += try await grid.admin.batchStatus(batch).completed }
        guard completed == workUnits else {
            throw HarnessError("only \(completed) of \(workUnits) work units completed; see \(grid.server.logFile.path)")
        }
        let figures = Figures(
            tasksPerSecond: Double(reported) / elapsed, p50: latency.percentile(50), p99: latency.percentile(99))
        print(String(format: "%@: %d tasks in %.2f s = %.0f full-lifecycle tasks/s; work request p50 %.2f ms, p99 %.2f ms; RSS %d MB",
            label, reported, elapsed, figures.tasksPerSecond, figures.p50, figures.p99, grid.residentBytes >> 20))
        return figures
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
