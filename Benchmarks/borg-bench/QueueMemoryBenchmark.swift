import ArgumentParser
import BorgAPIClient
import BorgHarness
import Foundation

/// Coordinator memory with a large backlog of unsent tasks, after submission and after a restart
/// (ready queues rebuilt from the store).
struct QueueMemoryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-memory", abstract: "Coordinator RSS with many unsent tasks queued.")

    @Option(help: "Unsent tasks to queue (2 per work unit).")
    var tasks = 1_000_000

    func run() async throws {
        let grid = try await GridSetup.start(hostCount: 1, serverArguments: [])
        defer { grid.stop() }
        let idle = grid.server.residentBytes
        let start = ContinuousClock.now
        _ = try await grid.submit(workUnits: tasks / 2)
        let submitSeconds = LifecycleBenchmark.seconds(ContinuousClock.now - start)
        let afterSubmit = grid.server.residentBytes
        let health = try await grid.admin.health()
        grid.server.stop()
        let restarted = try ServerProcess(dataDirectory: grid.server.dataDirectory)
        defer { restarted.stop() }
        let afterRestart = restarted.residentBytes
        let rebuilt = try await CoordinatorClient(coordinators: [restarted.url]).health().queueDepth
        print(String(format: "queue-memory: %d unsent tasks submitted in %.1f s (%.0f tasks/s)", health.queueDepth, submitSeconds,
            Double(health.queueDepth) / submitSeconds))
        print("RSS idle \(idle >> 20) MB (baseline); with the queue \(afterSubmit >> 20) MB after submission, \(afterRestart >> 20) MB after restart (queue rebuilt: \(rebuilt) tasks)")
        print(String(format: "ratio RSS after restart / idle: %.1f×", Double(afterRestart) / Double(max(1, idle))))
    }
}
