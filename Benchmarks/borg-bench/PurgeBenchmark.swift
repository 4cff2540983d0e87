import ArgumentParser
import BorgAPIClient
import BorgCore
import BorgHarness
import Foundation

/// Retention: what a grid holds after a million tasks, before and after their batches are collected and
/// purged, and after a second million on the purged store (freed pages are reused).
struct PurgeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge", abstract: "Database size and coordinator memory before and after purging completed batches.")

    @Option(help: "Tasks per round (work units × 2, at quorum 2).")
    var tasks = 1_000_000

    @Option(help: "Simulated hosts (each its own donor).")
    var hosts = 32

    @Option(help: "Replicated coordinators on one dqlite cluster (1 = a single coordinator on embedded SQLite).")
    var coordinators = 1

    @Option(help: "The coordinators' --blob-grace: seconds an unreferenced blob is kept (a large value keeps every output).")
    var blobGrace = 0.0

    func validate() throws {
        guard (1...7).contains(coordinators) else { throw ValidationError("--coordinators must be 1 to 7, got \(coordinators)") }
        guard tasks >= 2 && tasks <= 10_000_000 else { throw ValidationError("--tasks must be 2 to 10000000, got \(tasks)") }
    }

    /// What the grid holds at one moment.
    struct Sample {
        var label: String
        /// Database pages in use (its size minus the free pages), from the leader's metrics.
        var liveBytes: Double
        /// The database's size including free pages.
        var databaseBytes: Double
        /// Everything in the coordinators' data directories (database or dqlite log and snapshots, blobs).
        var diskBytes: Int64
        var residentBytes: Int
    }

    func run() async throws {
        print("purge benchmark: \(tasks) tasks per round, \(hosts) hosts, \(coordinators) coordinator(s)")
        let grid = try await GridSetup.start(
            hostCount: hosts,
            serverArguments: ["--tick", "5", "--purge-collected-after", "0", "--blob-grace", String(blobGrace), "--retention-interval", "1"],
            coordinators: coordinators)
        defer { grid.stop() }
        var samples = [try await sample("fresh grid", grid)]
        for round in 1...2 {
            let batches = try await grid.submit(workUnits: tasks / 2)
            let start = ContinuousClock.now
            let accepted = try await grid.drive(tasksPerRequest: 16, latency: LatencyRecorder())
            print(String(format: "round %d: %d tasks completed in %.0f s", round, accepted,
                         LifecycleBenchmark.seconds(ContinuousClock.now - start)))
            samples.append(try await sample("round \(round): \(accepted) tasks completed, not purged", grid))
            try await waitUntilFinished(batches, grid)
            let purgeStart = ContinuousClock.now
            for batch in batches { _ = try await grid.admin.markCollected(batch) }
            try await waitUntilPurged(batches, grid)
            print(String(format: "round %d: %d batches collected and purged in %.1f s", round, batches.count,
                         LifecycleBenchmark.seconds(ContinuousClock.now - purgeStart)))
            samples.append(try await sample("round \(round): purged", grid))
        }
        print("")
        print("| moment | live data | database incl. free pages | on disk | coordinator RSS |")
        print("|---|---|---|---|---|")
        for s in samples {
            print("| \(s.label) | \(Self.mb(s.liveBytes)) | \(Self.mb(s.databaseBytes)) | \(Self.mb(Double(s.diskBytes))) | \(Self.mb(Double(s.residentBytes))) |")
        }
        let full = samples[1], purged = samples[2], second = samples[4]
        print(String(format: "ratio purged / before purge: live data %.3f×, RSS %.2f×", purged.liveBytes / full.liveBytes,
                     Double(purged.residentBytes) / Double(full.residentBytes)))
        print(String(format: "ratio after a second round and purge / after the first: database %.2f×, on disk %.2f×, RSS %.2f×",
                     second.databaseBytes / purged.databaseBytes, Double(second.diskBytes) / Double(purged.diskBytes),
                     Double(second.residentBytes) / Double(purged.residentBytes)))
    }

    /// Waits until every batch is marked finished: the last reports are accepted before the coordinator's next
    /// pass (every `--tick`) finishes their batches, and only a finished batch can be marked collected.
    private func waitUntilFinished(_ batches: [BatchID], _ grid: GridSetup) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        for batch in batches {
            while try await grid.admin.batchStatus(batch).finishedAt == nil {
                guard ContinuousClock.now < deadline else { throw HarnessError("batch \(batch) not finished within 10 minutes") }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func waitUntilPurged(_ batches: [BatchID], _ grid: GridSetup) async throws {
        let deadline = ContinuousClock.now + .seconds(3_600)
        var left = batches
        while !left.isEmpty {
            guard ContinuousClock.now < deadline else { throw HarnessError("\(left.count) batches not purged within an hour") }
            var still: [BatchID] = []
            for batch in left where try await grid.admin.batchStatus(batch).purgedAt == nil { still.append(batch) }
            left = still
            if !left.isEmpty { try await Task.sleep(for: .seconds(1)) }
        }
    }

    /// What the grid holds once the retention passes have settled: the gauges are refreshed at the start of
    /// each retention pass (every second here), and collecting many blobs takes a pass several seconds, so the
    /// live data must stay the same for 30 s.
    private func sample(_ label: String, _ grid: GridSetup) async throws -> Sample {
        var last = try await measure(label, grid)
        var unchanged = 0
        for _ in 0..<240 where unchanged < 12 {
            let next = try await measure(label, grid)
            unchanged = next.liveBytes == last.liveBytes ? unchanged + 1 : 0
            last = next
        }
        return last
    }

    private func measure(_ label: String, _ grid: GridSetup) async throws -> Sample {
        try await Task.sleep(for: .seconds(2.5))
        var size = 0.0, free = 0.0
        for url in grid.grid?.urls ?? [grid.server.url] {
            let metrics = String(decoding: try await CoordinatorClient(coordinators: [url]).raw(.GET, "/metrics").body, as: UTF8.self)
            let database = Self.gauge("borg_database_bytes", in: metrics), unused = Self.gauge("borg_database_free_bytes", in: metrics)
            if database > size { (size, free) = (database, unused) }
        }
        let disk = grid.dataDirectories.map(Self.bytes(under:)).reduce(0, +)
        return Sample(label: label, liveBytes: size - free, databaseBytes: size, diskBytes: disk, residentBytes: grid.residentBytes)
    }

    private static func gauge(_ name: String, in text: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    private static func bytes(under directory: URL) -> Int64 {
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey])
        var total: Int64 = 0
        while let file = files?.nextObject() as? URL {
            total += Int64((try? file.resourceValues(forKeys: [.fileSizeKey]))?.fileSize ?? 0)
        }
        return total
    }

    private static func mb(_ bytes: Double) -> String { String(format: "%.1f MB", bytes / 1e6) }
}
