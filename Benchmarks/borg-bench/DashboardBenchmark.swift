import ArgumentParser
import BorgAPIClient
import BorgCore
import Foundation

/// How long each dashboard page takes to answer: first on a small grid (the baseline), then on the same
/// grid grown to `donors` donors and `workUnits` work units.
struct DashboardBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "Response time of every dashboard page, small grid vs. 10,000 donors and 100,000 work units.")

    @Option(help: "Donors on the large grid.")
    var donors = 10_000

    @Option(help: "Work units on the large grid (a tenth of them left running).")
    var workUnits = 100_000

    @Option(help: "Simulated hosts (each its own donor) that do the work.")
    var hosts = 64

    @Option(help: "Requests per page; the median and the slowest are reported.")
    var rounds = 5

    func validate() throws {
        guard (hosts...1_000_000).contains(donors) else { throw ValidationError("--donors must be at least --hosts (\(hosts))") }
        guard (1_000...10_000_000).contains(workUnits) else { throw ValidationError("--work-units must be 1000 to 10000000") }
        guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be 1 to 100") }
    }

    /// Median and slowest response of each page, in seconds.
    typealias Timings = [(page: String, median: Double, slowest: Double)]

    func run() async throws {
        print("dashboard benchmark: \(hosts) hosts; large grid: \(donors) donors, \(workUnits) work units")
        let grid = try await GridSetup.start(hostCount: hosts, serverArguments: ["--tick", "5"])
        defer { grid.stop() }
        let first = try await grid.submit(workUnits: 1_000)
        _ = try await grid.drive(tasksPerRequest: 16, latency: LatencyRecorder())
        let small = try await measure(grid, batch: first[0])

        let start = ContinuousClock.now
        try await addDonors(donors - hosts, grid)
        let finished = workUnits - 1_000 - workUnits / 10
        _ = try await grid.submit(workUnits: finished)
        _ = try await grid.drive(tasksPerRequest: 16, latency: LatencyRecorder())
        let running = try await grid.submit(workUnits: workUnits / 10)
        print(String(format: "grew the grid in %.0f s", LifecycleBenchmark.seconds(ContinuousClock.now - start)))
        let large = try await measure(grid, batch: running[0])

        print("")
        print("| page | small grid, median | large grid, median | large grid, slowest | ratio (medians) |")
        print("|---|---|---|---|---|")
        for (s, l) in zip(small, large) {
            print("| \(s.page) | " + String(format: "%.1f ms | %.1f ms | %.1f ms | %.1f× |", s.median * 1000, l.median * 1000,
                                                 l.slowest * 1000, l.median / s.median))
        }
        let worst = large.max { $0.slowest < $1.slowest }
        print("slowest page on the large grid: \(worst?.page ?? "-") in "
              + String(format: "%.0f ms (target: under 1 s)", (worst?.slowest ?? 0) * 1000))
    }

    /// Creates `count` more donors, 16 requests at a time.
    func addDonors(_ count: Int, _ grid: GridSetup) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for i in stride(from: lane, to: count, by: 16) { _ = try await grid.admin.createDonor(name: "extra-\(i)") }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Fetches every page (`batch`'s page among them) `rounds` times.
    func measure(_ grid: GridSetup, batch: BatchID) async throws -> Timings {
        let client = CoordinatorClient(coordinators: [grid.server.url])
        let host = grid.hosts[0]
        let pages = ["/", "/batches", "/batches/\(batch.rawValue)", "/donors", "/donors?by=rac&page=50", "/donors/\(host.donorID.rawValue)",
                     "/hosts", "/hosts/\(host.id.rawValue)", "/teams", "/projects/bench"]
        var timings: Timings = []
        for page in pages {
            var seconds: [Double] = []
            for _ in 0..<rounds {
                let start = ContinuousClock.now
                let (status, _) = try await client.raw(.GET, page)
                seconds.append(LifecycleBenchmark.seconds(ContinuousClock.now - start))
                guard status == 200 else { throw ValidationError("\(page) answered \(status)") }
            }
            seconds.sort()
            timings.append((page, seconds[seconds.count / 2], seconds[seconds.count - 1]))
        }
        return timings
    }
}
