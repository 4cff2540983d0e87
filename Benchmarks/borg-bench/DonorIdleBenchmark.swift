import ArgumentParser
import BorgAPIClient
import BorgHarness
import BorgSandbox
import Foundation

/// `borg-bench donor-idle`: the footprint of an enrolled `borg-client run` with no work.
struct DonorIdleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "donor-idle",
        abstract: "Resident memory and CPU of an idle donor daemon (targets: RSS ≤ 30 MB, CPU ≤ 0.5%).")

    @Option(help: "Seconds to measure over.")
    var seconds = 30.0

    func run() async throws {
        let directory = try TemporaryDirectory(prefix: "borg-bench-donor")
        defer { directory.remove() }
        let server = try ServerProcess(dataDirectory: directory.url.appendingPathComponent("coordinator"))
        defer { server.stop() }
        let admin = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
        let token = try await admin.createDonor(name: "idle").enrollmentToken
        let data = directory.url.appendingPathComponent("donor")
        let enrolled = try CommandRunner.run(BuildProducts.executable("borg-client"),
            ["enroll", server.url, "--token", token, "--data-dir", data.path])
        guard enrolled.status == 0 else { throw HarnessError("enroll failed: \(enrolled.stderr)") }
        let client = try ClientProcess(dataDirectory: data)
        defer { client.stop() }
        try await Task.sleep(for: .seconds(3))
        let before = (ResourceUsage.process(client.pid)?.cpuSeconds ?? 0)
        let settled = ResourceUsage.process(client.pid)?.residentBytes ?? 0
        let start = ContinuousClock.now
        var peak: UInt64 = 0
        while ContinuousClock.now - start < .seconds(seconds) {
            peak = max(peak, ResourceUsage.process(client.pid)?.residentBytes ?? 0)
            try await Task.sleep(for: .milliseconds(500))
        }
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        let cpu = ((ResourceUsage.process(client.pid)?.cpuSeconds ?? 0) - before) / elapsed
        let privateBytes = Self.privateBytes(client.pid)
        // The targets' units: MB = 10^6 bytes, % of one core.
        let peakMB = Double(peak) / 1e6
        let percent = cpu * 100
        print(String(format: "idle donor daemon over %.0f s: peak RSS %.1f MB (target ≤ 30 MB: %@), of it private %.1f MB; CPU %.2f%% of one core (target ≤ 0.5%%: %@)",
            elapsed, peakMB, peakMB <= 30 ? "met" : "missed", Double(privateBytes) / 1e6, percent, percent <= 0.5 ? "met" : "missed"))
        print(String(format: "baseline, RSS 3 s after start: %.1f MB; ratio peak / baseline: %.2f× (no growth while idle is 1.00×)",
            Double(settled) / 1e6, Double(peak) / Double(max(settled, 1))))
    }

    /// Memory only this process uses (private pages, clean and dirty), from /proc/PID/smaps_rollup.
    static func privateBytes(_ pid: Int32) -> UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").filter { $0.hasPrefix("Private_") }.reduce(0) { total, line in
            total + (UInt64(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
    }

}
