import ArgumentParser
import BorgAPIClient
import BorgHarness
import BorgProtocol
import Foundation

/// Failover time of replicated coordinators: the leader's coordinator is SIGKILLed while a host holds a
/// task; the time until the host's report is accepted again (through another coordinator) is measured.
/// The killed coordinator is restarted before the next round.
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
        var samples: [Double] = []
        for round in 1...kills {
            host.client.learn(grid.urls)
            let work = try await host.client.requestWork(host: host.id, maxTasks: 1)
            guard let task = work.tasks.first else { throw HarnessError("round \(round): no task to report") }
            let leader = try await grid.leader()
            let start = ContinuousClock.now
            grid.stop(leader, signal: SIGKILL)
            while (try? await host.client.report(host: host.id, [host.report(for: task)])) == nil {
                try await Task.sleep(for: .milliseconds(10))
            }
            let seconds = LifecycleBenchmark.seconds(ContinuousClock.now - start)
            samples.append(seconds)
            print(String(format: "kill %d: coordinator %d (leader) killed; report accepted again after %.2f s", round, leader, seconds))
            try grid.start(leader)
            _ = try await grid.leader()
        }
        let sorted = samples.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        print(String(format: "failover over %d leader kills: median %.2f s, min %.2f s, max %.2f s",
                     samples.count, median, sorted.first!, sorted.last!))
    }
}
