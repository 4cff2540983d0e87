import BorgAPIClient
import BorgCore
import BorgDonor
import BorgHarness
import BorgProtocol
import BorgSandbox
import Crypto
import Foundation
import Testing

/// Whole-grid scenarios with a real `borg-server` and real `borg-client` daemons running real
/// apps in `borg-sandbox`, all on 127.0.0.1. Work units are tiny: debug WasmKit is slow.
@Suite(.serialized) struct DonorScenarioTests {
    static let primes = try! Data(contentsOf: DonorGrid.primesApp)

    /// Whether any `borg-sandbox` process works in `data`'s task directories.
    func sandboxes(in data: URL) -> [Int32] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        return pids.filter { pid in
            guard let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
            return command.contains("borg-sandbox") && command.contains(data.path)
        }
    }

    @Test func enrollRejectsBadInputAndWritesNothing() async throws {
        let grid = try DonorGrid(prefix: "borg-enroll")
        defer { grid.shutDown() }
        let token = try await grid.admin.createDonor(name: "ada").enrollmentToken
        let data = grid.dir.url.appendingPathComponent("donor")
        let cases: [([String], String)] = [
            (["enroll", grid.server.url, "--token", token, "--cpu", "150%"], "--cpu"),
            (["enroll", grid.server.url, "--token", token, "--disk", "-1"], "--disk"),
            (["enroll", grid.server.url, "--token", token, "--memory", "lots"], "--memory"),
            (["enroll", grid.server.url, "--token", "wrong-token"], "--token"),
            (["enroll", "http://127.0.0.1:1", "--token", token], "URL"),
        ]
        for (arguments, flag) in cases {
            let result = try grid.client(arguments + ["--data-dir", data.path])
            #expect(result.status != 0, "\(arguments) succeeded")
            #expect(result.stderr.contains(flag), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: data.path), "\(arguments) left \(data.path) behind")
        }
        let enrolled = try grid.client(["enroll", grid.server.url, "--token", token, "--cpu", "30%", "--disk", "1GiB", "--data-dir", data.path])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        let again = try grid.client(["enroll", grid.server.url, "--token", token, "--data-dir", data.path])
        #expect(again.status != 0 && again.stderr.contains("already"))

        let changed = try grid.client(["config", "--cpu", "25%", "--memory", "1GiB", "--data-dir", data.path])
        #expect(changed.status == 0, "\(changed.stderr)")
        let bad = try grid.client(["config", "--cpu", "0%", "--data-dir", data.path])
        #expect(bad.status != 0 && bad.stderr.contains("--cpu"))
        let status = try grid.client(["status", "--json", "--data-dir", data.path])
        let json = try #require(JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let caps = try #require(json["caps"] as? [String: Any])
        #expect(caps["cpuFraction"] as? Double == 0.25)
        #expect(caps["diskBytes"] as? Int == 1 << 30)
        #expect(caps["memoryBytes"] as? Int == 1 << 30)
    }

    @Test func threeDonorsFinishABatchAtQuorumTwo() async throws {
        let grid = try DonorGrid(prefix: "borg-donors")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, replication: 2, quorum: 2, signingKey: key)
        let ranges = (0..<6).map { "\($0 * 5000) \(($0 + 1) * 5000)" }
        let batch = try grid.submitRanges("primes", ranges)
        var donors: [URL] = []
        for (name, cpu) in [("ada", "50%"), ("bob", "30%"), ("cy", "25%")] {
            let data = try await grid.enroll(name, cpu: cpu)
            donors.append(data)
            _ = try grid.start(data)
        }
        let status = try await grid.waitForBatch(batch, timeout: 180)
        #expect(status.state == .completed && status.completed == 6 && status.failed == 0)
        #expect(try await grid.total(of: batch) == DonorGrid.primeCount(below: 30_000))

        var valid = 0
        for data in donors {
            let stats = try grid.client(["stats", "--json", "--data-dir", data.path])
            #expect(stats.status == 0, "\(stats.stderr)")
            let contribution = try JSONDecoder().decode(Contribution.self, from: Data(stats.stdout.utf8))
            #expect(contribution.online)
            valid += contribution.donor?.tasks.valid ?? 0
            #expect(contribution.donor?.tasks.error == 0)
        }
        #expect(valid >= 12)
    }

    @Test func killedDonorsTasksAreReissuedAndTheBatchCompletes() async throws {
        let grid = try DonorGrid(prefix: "borg-kill9")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, replication: 2, quorum: 2, signingKey: key)
        // The victim alone gets work first: long units, so that it is mid-task when killed.
        let batch = try grid.submitRanges("primes", (0..<4).map { "\($0 * 200_000) \(($0 + 1) * 200_000) 20000" }, deadline: 20)
        let victimData = try await grid.enroll("victim", cpu: "100%")
        let victim = try grid.start(victimData)
        try await grid.waitUntil("the victim runs a task", timeout: 30) {
            grid.tasks(of: victimData).contains { $0.phase == .running }
        }
        let held = grid.tasks(of: victimData)
        #expect(victim.stop(signal: SIGKILL) == SIGKILL)
        for task in held { if let group = task.processGroup { TaskProcesses.killLeftover(group) } }

        for name in ["ada", "bob"] { _ = try grid.start(try await grid.enroll(name, cpu: "50%")) }
        let status = try await grid.waitForBatch(batch, timeout: 240)
        #expect(status.state == .completed && status.completed == 4)
        #expect(try await grid.total(of: batch) == DonorGrid.primeCount(below: 800_000))
        for unit in try await grid.admin.batchResults(batch).workUnits {
            #expect(unit.agreeingHosts.count == 2)
        }
    }

    @Test func restartedDonorResumesFromItsCheckpoint() async throws {
        let grid = try DonorGrid(prefix: "borg-restart")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        let batch = try grid.submitRanges("primes", ["0 1000000 20000"])
        let data = try await grid.enroll("ada", cpu: "50%")
        let first = try grid.start(data)
        var checkpoint = URL(fileURLWithPath: "/")
        try await grid.waitUntil("the task writes a checkpoint", timeout: 60) {
            guard let task = grid.tasks(of: data).first else { return false }
            checkpoint = data.appendingPathComponent("tasks/\(task.id)/checkpoint")
            return FileManager.default.fileExists(atPath: checkpoint.path)
        }
        let held = grid.tasks(of: data)
        #expect(first.stop(signal: SIGKILL) == SIGKILL)
        for task in held { if let group = task.processGroup { TaskProcesses.killLeftover(group) } }
        let saved = try String(contentsOf: checkpoint, encoding: .utf8)

        let second = try grid.start(data)
        let status = try await grid.waitForBatch(batch, timeout: 180)
        #expect(status.state == .completed)
        #expect(try await grid.total(of: batch) == DonorGrid.primeCount(below: 1_000_000))
        let log = second.log
        #expect(log.contains("2 run(s)"), "\(log)")
        #expect(log.contains("resuming at"), "the app did not resume from its checkpoint (\(saved)): \(log)")
    }

    @Test func unenrolledDonorsTasksAreReissuedAtOnceAndNothingIsLeft() async throws {
        let grid = try DonorGrid(prefix: "borg-unenroll")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        let batch = try grid.submitRanges("primes", ["0 50000000", "50000000 100000000"])
        let data = try await grid.enroll("ada", cpu: "100%")
        let client = try grid.start(data)
        try await grid.waitUntil("both tasks run", timeout: 30) {
            grid.tasks(of: data).filter { $0.phase == .running }.count == 2
        }
        let before = try #require(try await grid.admin.projectStats().first { $0.project == "primes" })
        #expect(before.tasksInProgress == 2)

        let left = try grid.client(["unenroll", "--data-dir", data.path])
        #expect(left.status == 0, "\(left.stderr)")
        #expect(left.stdout.contains("gave 2 unfinished task(s) back"), "\(left.stdout)")
        #expect(left.stdout.contains("final contribution"))
        #expect(client.stop() == 0, "the client did not exit cleanly")
        #expect(!FileManager.default.fileExists(atPath: data.path))
        #expect(sandboxes(in: data).isEmpty)

        let after = try #require(try await grid.admin.projectStats().first { $0.project == "primes" })
        #expect(after.tasksInProgress == 0 && after.tasksUnsent == 2, "\(after)")
        #expect(try await grid.admin.batchStatus(batch).state == .active)
    }

    @Test func tamperedUnsignedAndReKeyedAppsAreRefused() async throws {
        let grid = try DonorGrid(prefix: "borg-signing")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        let data = try await grid.enroll("ada", cpu: "50%")
        // This host pinned another key for 'rekeyed' earlier (say, from another grid).
        let otherKey = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        try JSONEncoder().encode(["rekeyed": otherKey]).write(to: data.appendingPathComponent("pinned-keys.json"))
        let client = try grid.start(data)
        let good = try grid.submitRanges("primes", ["0 1000"])
        #expect(try await grid.waitForBatch(good, timeout: 60).completed == 1)

        // The project key's signature of the real app, sent with a different app file.
        let keyText = try String(contentsOfFile: key, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: try #require(Data(base64Encoded: keyText)))
        let realSHA = SHA256.hash(data: Self.primes).map { String(format: "%02x", $0) }.joined()
        let stolen = try privateKey.signature(for: Data(realSHA.utf8)).base64EncodedString()
        let publicKey = privateKey.publicKey.rawRepresentation.base64EncodedString()
        try grid.createProject("tampered", app: Self.primes + Data([0]), signingKey: nil,
            manifestSignature: (stolen, publicKey))
        try grid.createProject("unsigned", app: Self.primes, signingKey: nil)
        try grid.createProject("rekeyed", app: Self.primes, signingKey: key)
        let batches = [
            try grid.submitRanges("tampered", ["0 1000"]), try grid.submitRanges("unsigned", ["0 1000"]),
            try grid.submitRanges("rekeyed", ["0 1000"]),
        ]
        try await grid.waitUntil("the host reported three errors", timeout: 60) {
            try await grid.admin.hostStats().first { $0.name == "ada" }?.tasks.error == 3
        }
        for batch in batches {
            #expect(try await grid.admin.batchStatus(batch).completed == 0)
        }
        let log = client.log
        #expect(log.contains("app signature invalid: the signature does not match"), "\(log)")
        #expect(log.contains("app signature invalid: project 'unsigned' sent an unsigned app"), "\(log)")
        #expect(log.contains("app signature invalid: project 'rekeyed' is now signed by a different key"), "\(log)")
        #expect(log.components(separatedBy: ") started, run").count == 2, "a refused app was run: \(log)")
    }

    /// The CPU cap, pause, resume and a changed cap, measured from /proc while a real client runs a
    /// CPU-burning native app.
    @Test func cpuCapHoldsThroughTheClient() async throws {
        let grid = try DonorGrid(prefix: "borg-cpucap")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        let burner = Data("#!/bin/sh\nwhile :; do :; done\n".utf8)
        try grid.createProject("burn", app: burner, platform: "native-linux-x86_64", signingKey: key)
        _ = try grid.submitRanges("burn", ["0 1"])
        let data = try await grid.enroll("ada", cpu: "25%")
        let client = try grid.start(data)
        var group: Int32 = 0
        try await grid.waitUntil("the burner runs", timeout: 30) {
            group = grid.tasks(of: data).first { $0.phase == .running }?.processGroup ?? 0
            return group > 0
        }
        try await Task.sleep(for: .seconds(1))
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let start = ResourceUsage.processGroup(group).cpuSeconds
        let clock = ContinuousClock.now
        try await Task.sleep(for: .seconds(20))
        let used = ResourceUsage.processGroup(group).cpuSeconds - start
        let elapsed = (ContinuousClock.now - clock) / .seconds(1)
        let share = used / (elapsed * cores)
        // The cap is a promise, held to 25% ± 5% of the machine over 20 s (this test runs alone).
        #expect(share <= 0.30, "the tasks used \(share * 100)% of the machine under --cpu 25%")
        #expect(share >= 0.20, "the task got only \(share * 100)% of the machine under --cpu 25%")

        // A running client applies pause, resume and a new cap at once.
        func machineShare(over seconds: Double) async throws -> Double {
            let start = ResourceUsage.processGroup(group).cpuSeconds
            let clock = ContinuousClock.now
            try await Task.sleep(for: .seconds(seconds))
            return (ResourceUsage.processGroup(group).cpuSeconds - start) / ((ContinuousClock.now - clock) / .seconds(1) * cores)
        }
        #expect(try grid.client(["pause", "--data-dir", data.path]).status == 0)
        try await Task.sleep(for: .seconds(1))
        let paused = try await machineShare(over: 2)
        #expect(paused < 0.02, "a paused client's task used \(paused * 100)% of the machine")
        #expect(try grid.client(["resume", "--data-dir", data.path]).status == 0)
        #expect(try grid.client(["config", "--cpu", "50%", "--data-dir", data.path]).status == 0)
        try await Task.sleep(for: .seconds(1))
        let raised = try await machineShare(over: 5)
        #expect(raised > 0.40 && raised <= 0.55, "after resume with --cpu 50% the task used \(raised * 100)% of the machine")

        #expect(client.stop(signal: SIGTERM) == 0)
        #expect(!TaskProcesses.isSandbox(group))
        #expect(client.log.contains("stopped"))
    }
}
