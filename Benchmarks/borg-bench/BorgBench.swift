import ArgumentParser
import Foundation

/// `borg-bench`: throughput and scale measurements of a release coordinator on loopback.
@main
struct BorgBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "borg-bench",
        abstract: "Benchmarks of Borg coordinators (build with -c release).",
        subcommands: [LifecycleBenchmark.self, QueueMemoryBenchmark.self, FailoverBenchmark.self, DonorIdleBenchmark.self,
                      GridEfficiencyBenchmark.self, RuntimeBenchmark.self, PurgeBenchmark.self, StorageBenchmark.self,
                      DurabilityModel.self, DashboardBenchmark.self])
}
