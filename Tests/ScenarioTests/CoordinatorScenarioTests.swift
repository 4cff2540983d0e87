import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import BorgStore
import Foundation
import Testing

/// Whole-grid scenarios with a real `borg-server` process, real `borg-submit` runs and protocol-level
/// hosts over HTTP on 127.0.0.1.
@Suite(.serialized) struct CoordinatorScenarioTests {
    /// Writes `count` input files and a manifest for project `name` into `dir`; returns the manifest path.
    func makeProject(in dir: URL, name: String, workUnits count: Int) throws -> (manifest: String, inputs: String) {
        let inputs = dir.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for i in 0..<count {
            try Data("range \(i * 1000) \((i + 1) * 1000)\n".utf8).write(to: inputs.appendingPathComponent(String(format: "wu%04d", i)))
        }
        try Data("synthetic app".utf8).write(to: dir.appendingPathComponent("app.wasm"))
        let manifest = dir.appendingPathComponent("manifest.json")
        try Data("""
            {"name": "\(name)", "description": "scenario", "appVersions": [{"platform": "wasm", "file": "app.wasm"}],
             "policy": {"replication": 2, "quorum": 2, "maxErrorTasks": 3, "maxTotalTasks": 8, "deadlineSeconds": 600,
                        "validator": {"kind": "bitwise"}, "credit": {"kind": "fixed", "flopsPerWorkUnit": 1e12}}}
            """.utf8).write(to: manifest)
        return (manifest.path, inputs.path)
    }

    func submit(_ arguments: [String], server: ServerProcess) throws -> CommandResult {
        try CommandRunner.run(BuildProducts.executable("borg-submit"), arguments + ["--coordinator", server.url],
            environment: ["BORG_API_KEY": try server.adminKey])
    }

    /// Runs every host until the batch ends; each host fetches up to 8 tasks and reports them.
    func work(_ hosts: [SimulatedHost], until batch: BatchID, admin: CoordinatorClient, timeout: Double = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for host in hosts { group.addTask { try await host.cycle(maxTasks: 8) } }
                try await group.waitForAll()
            }
            if try await admin.batchStatus(batch).state != .active { return }
        }
        throw HarnessError("batch \(batch) did not finish within \(timeout) s")
    }

    @Test func honestQuorumWinsOverALiarAndResultsAreWritten() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-scenario")
        defer { dir.remove() }
        let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"))
        defer { server.stop() }
        let admin = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
        let (manifest, inputs) = try makeProject(in: dir.url, name: "scenario", workUnits: 200)

        let created = try submit(["project", "create", "--manifest", manifest], server: server)
        #expect(created.status == 0, "\(created.stderr)")
        let submitted = try submit(["batch", "submit", "scenario", "--inputs", inputs, "--quiet"], server: server)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let batch = try #require(BatchID(submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))

        var hosts: [SimulatedHost] = []
        for name in ["ada", "bob", "cy", "liar"] {
            let donor = try await admin.createDonor(name: name)
            hosts.append(try await SimulatedHost(coordinators: [server.url], token: donor.enrollmentToken, name: name, lies: name == "liar"))
        }
        try await work(hosts, until: batch, admin: admin)

        let status = try submit(["batch", "status", String(batch), "--json"], server: server)
        let final = try JSONDecoder().decode(BatchStatus.self, from: Data(status.stdout.utf8))
        #expect(final.completed == 200 && final.failed == 0 && final.state == .completed)

        let out = dir.url.appendingPathComponent("results")
        let results = try submit(["batch", "results", String(batch), "--out", out.path], server: server)
        #expect(results.status == 0, "\(results.stderr)")
        let manifestData = try Data(contentsOf: out.appendingPathComponent("manifest.json"))
        let written = try JSONDecoder().decode(BatchResults.self, from: manifestData)
        let liar = hosts[3]
        for unit in written.workUnits {
            #expect(!unit.agreeingHosts.contains(liar.id), "the liar agreed on \(unit.name)")
            #expect(unit.agreeingHosts.count >= 2)
            let file = out.appendingPathComponent(unit.name).appendingPathComponent("out")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.hasPrefix("result of \(unit.name):"), "\(unit.name) has a forged canonical output: \(text)")
        }

        let donors = try await admin.donorStats()
        let liarStats = try #require(donors.first { $0.name == "liar" })
        #expect(liarStats.totalCredit == 0)
        #expect(liarStats.tasks.valid == 0 && liarStats.tasks.invalid > 0)
        let credit = ProjectPolicy().credit.credit(measuredWork: 0)
        for donor in donors where donor.name != "liar" && donor.name != "default" {
            #expect(abs(donor.totalCredit - Double(donor.tasks.valid) * credit) < 1e-6)
        }
    }

    @Test func killNineLosesNoAcknowledgedReportAndTheBatchCompletes() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-crash")
        defer { dir.remove() }
        let data = dir.url.appendingPathComponent("coordinator")
        var server = try ServerProcess(dataDirectory: data)
        let key = try server.adminKey
        let (manifest, inputs) = try makeProject(in: dir.url, name: "crash", workUnits: 300)
        #expect(try submit(["project", "create", "--manifest", manifest], server: server).status == 0)
        let submitted = try submit(["batch", "submit", "crash", "--inputs", inputs, "--quiet"], server: server)
        let batch = try #require(BatchID(submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        var admin = CoordinatorClient(coordinators: [server.url], credential: key)
        var hosts: [SimulatedHost] = []
        for name in ["a", "b", "c"] {
            let donor = try await admin.createDonor(name: name)
            hosts.append(try await SimulatedHost(coordinators: [server.url], token: donor.enrollmentToken, name: name))
        }

        // Hosts report as fast as they can; the server is SIGKILLed in the middle of it.
        let acknowledged = AcknowledgedReports()
        let workers = hosts
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for host in workers {
                    group.addTask {
                        while !Task.isCancelled {
                            guard let work = try? await host.client.requestWork(host: host.id, maxTasks: 4), !work.tasks.isEmpty else {
                                try? await Task.sleep(for: .milliseconds(20))
                                continue
                            }
                            if let reply = try? await host.client.report(host: host.id, work.tasks.map(host.report(for:))) {
                                acknowledged.add(reply.accepted)
                            }
                        }
                    }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(server.stop(signal: SIGKILL) != 0)
        load.cancel()
        await load.value
        let before = acknowledged.all
        #expect(!before.isEmpty, "no report was acknowledged before the kill")

        // Every acknowledged report is in the store after the crash.
        let store = try await Store(directory: data)
        let states = try await store.read { q in
            try q.db.query("SELECT id, state FROM task WHERE state IN ('success', 'error')").map { ($0.id(0) as TaskID, $0.string(1)) }
        }
        store.close()
        let stored = Set(states.map(\.0))
        #expect(before.isSubset(of: stored), "lost acknowledged reports: \(before.subtracting(stored).sorted().prefix(10))")

        // Restart on the same data directory; the hosts carry on and the batch completes.
        server = try ServerProcess(dataDirectory: data)
        defer { server.stop() }
        admin = CoordinatorClient(coordinators: [server.url], credential: key)
        let moved = hosts.map { $0.moved(to: [server.url]) }
        try await abandonInFlight(moved)
        try await work(moved, until: batch, admin: admin)
        let status = try await admin.batchStatus(batch)
        #expect(status.completed == 300 && status.state == .completed)
    }

    /// Tasks the hosts fetched but never reported before the crash are given back at once.
    func abandonInFlight(_ hosts: [SimulatedHost]) async throws {
        for host in hosts { _ = try await host.client.abandon(host: host.id) }
    }

    @Test func borgSubmitExplainsBadInputAndExitsNonZero() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-cli")
        defer { dir.remove() }
        let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"))
        defer { server.stop() }
        let missing = try submit(["project", "create", "--manifest", "/nonexistent/manifest.json"], server: server)
        #expect(missing.status != 0 && missing.stderr.contains("--manifest"))
        try Data("{\"name\": 5}".utf8).write(to: dir.url.appendingPathComponent("bad.json"))
        let bad = try submit(["project", "create", "--manifest", dir.url.appendingPathComponent("bad.json").path], server: server)
        #expect(bad.status != 0 && bad.stderr.contains("bad.json"))
        let unknown = try submit(["batch", "status", "12345"], server: server)
        #expect(unknown.status != 0 && unknown.stderr.contains("no batch 12345"))
        let noInputs = try submit(["batch", "submit", "x", "--inputs", "/nonexistent"], server: server)
        #expect(noInputs.status != 0 && noInputs.stderr.contains("--inputs"))
        let wrongKey = try CommandRunner.run(BuildProducts.executable("borg-submit"),
            ["batch", "status", "1", "--coordinator", server.url, "--api-key", "key-nope"])
        #expect(wrongKey.status != 0 && wrongKey.stderr.contains("401"))
        // A coordinator that is down is given up on at once (not after the request timeout), and the
        // next one in the list answers.
        let started = Date()
        let down = try CommandRunner.run(BuildProducts.executable("borg-submit"),
            ["batch", "status", "1", "--coordinator", "http://127.0.0.1:1", "--api-key", "k"])
        #expect(down.status != 0 && down.stderr.contains("no coordinator answered"))
        let failedOver = try CommandRunner.run(BuildProducts.executable("borg-submit"),
            ["batch", "status", "12345", "--coordinator", "http://127.0.0.1:1,\(server.url)", "--api-key", try server.adminKey])
        #expect(failedOver.stderr.contains("no batch 12345"), "\(failedOver.stderr)")
        #expect(Date().timeIntervalSince(started) < 20, "a refused connection was retried until the request timed out")
    }

    @Test func donorAddPrintsATokenThatEnrollsHosts() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-donor")
        defer { dir.remove() }
        let data = dir.url.appendingPathComponent("coordinator")
        let server = try ServerProcess(dataDirectory: data)
        defer { server.stop() }
        let borgServer = BuildProducts.executable("borg-server")
        let added = try CommandRunner.run(borgServer, ["donor", "add", "grace", "--quiet", "--data-dir", data.path])
        #expect(added.status == 0, "\(added.stderr)")
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let host = try await SimulatedHost(coordinators: [server.url], token: token, name: "laptop")
        let stats = try await CoordinatorClient(coordinators: [server.url]).donorStats(host.donorID)
        #expect(stats.name == "grace" && stats.hosts == 1)
        let again = try CommandRunner.run(borgServer, ["donor", "add", "grace", "--data-dir", data.path])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        let badListen = try CommandRunner.run(borgServer, ["--listen", "nowhere", "--data-dir", data.path])
        #expect(badListen.status != 0 && badListen.stderr.contains("--listen"))
        let badAdvertise = try CommandRunner.run(borgServer, ["--advertise", "coordinator:8080", "--data-dir", data.path])
        #expect(badAdvertise.status != 0 && badAdvertise.stderr.contains("--advertise"))
    }

    /// Clients are told the address a coordinator advertises, not the one it happens to listen on.
    @Test func repliesListTheAdvertisedAddress() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-advertise")
        defer { dir.remove() }
        let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"),
                                       arguments: ["--advertise", "http://coordinator.example:8080/"])
        defer { server.stop() }
        let health = try await CoordinatorClient(coordinators: [server.url]).health()
        #expect(health.coordinators == ["http://coordinator.example:8080"])
    }

    @Test func sigtermDrainsAndExitsCleanly() throws {
        let dir = try TemporaryDirectory(prefix: "borg-term")
        defer { dir.remove() }
        let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"))
        #expect(server.stop(signal: SIGTERM) == 0)
        let log = try String(contentsOf: server.logFile, encoding: .utf8)
        #expect(log.contains("stopped cleanly"))
    }
}

/// Task ids whose reports got a 2xx, collected from concurrent hosts.
final class AcknowledgedReports: @unchecked Sendable {
    private let lock = NSLock()
    private var ids = Set<TaskID>()
    func add(_ accepted: [TaskID]) { lock.withLock { ids.formUnion(accepted) } }
    var all: Set<TaskID> { lock.withLock { ids } }
}
