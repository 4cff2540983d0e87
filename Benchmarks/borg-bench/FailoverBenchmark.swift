import ArgumentParser
import BorgAPIClient
import BorgCluster
import BorgHarness
import BorgProtocol
import Foundation

/// Failover time of replicated coordinators: the leader's coordinator is SIGKILLed while a host holds a
/// task; the time until the host's report is accepted again (through another coordinator) is measured.
/// The baseline, from the same kill: the time until a bare dqlite client (over the cluster link, with the grid's
/// credentials) commits a write to the same cluster (what the engine alone gives). The killed coordinator is restarted before
/// the next round.
struct FailoverBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover", abstract: "Leader SIGKILL → reports accepted again, over several kills (3 coordinators).")

    @Option(help: "Leader kills to measure.")
    var kills = 10

    func validate() throws {
        guard kills > 0 else { throw ValidationError("--kills must be positive") }
    }

    func run() async throws {
        let setup = try await GridSetup.start(hostCount: 1, serverArguments: ["--tick", "0.2"], coordinators: 3)
        defer { setup.stop() }
        guard let grid = setup.grid else { return }
        _ = try await setup.submit(workUnits: kills * 2)
        let host = setup.hosts[0]
        let probe = DqliteClient(seeds: grid.clusterAddresses, database: "failover-probe", timeout: 60, dialer: grid.dqliteDialer)
        defer { probe.close() }
        try probe.execute("CREATE TABLE IF NOT EXISTS probe (round INTEGER)")
        var reports: [Double] = []
        var writes: [Double] = []
        for round in 1...kills {
            host.client.learn(grid.urls)
            let work = try await host.client.requestWork(host: host.id, maxTasks: 1)
            guard let task = work.tasks.first else { throw HarnessError("round \(round): no task to report") }
            let leader = try await grid.leader()
            let start = ContinuousClock.now
            grid.stop(leader, signal: SIGKILL)
            let write = Task.detached { () throws -> Duration in
                try probe.execute("INSERT INTO probe VALUES (?)", [.integer(Int64(round))])
                return ContinuousClock.now - start
            }
            while true {
                do {
                    _ = try await host.client.report(host: host.id, [host.report(for: task)])
                    break
                } catch {
                    guard ContinuousClock.now - start < .seconds(60) else {
                        throw HarnessError("round \(round): the report was not accepted within 60 s; last error: \(error)")
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            let seconds = LifecycleBenchmark.seconds(ContinuousClock.now - start)
            let bare = LifecycleBenchmark.seconds(try await write.value)
            reports.append(seconds)
            writes.append(bare)
            print(String(format: "kill %d: coordinator %d (leader) killed; report accepted again after %.2f s (bare dqlite write: %.2f s)",
                         round, leader, seconds, bare))
            fflush(nil)
            try grid.start(leader)
            _ = try await grid.leader()
        }
        let (report, write) = (median(reports), median(writes))
        print(String(format: "failover over %d leader kills: median %.2f s, min %.2f s, max %.2f s",
                     reports.count, report, reports.min()!, reports.max()!))
        print(String(format: "baseline, bare dqlite write after the same kills: median %.2f s; ratio coordinator / dqlite: %.2f×",
                     write, report / write))
    }
}
