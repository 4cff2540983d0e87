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
    /// Estimated floating-point operations of one work unit, written into every scenario project's policy.
    static let flopsPerWorkUnit = 1e12
    /// Credit of one valid task in cobblestones, stated here rather than read from the product: 200 credits
    /// per GFLOPS-day.
    static let creditPerTask = flopsPerWorkUnit * 200 / (1e9 * 86_400)

    /// The input of work unit `index`.
    static func input(_ index: Int) -> Data { Data("range \(index * 1000) \((index + 1) * 1000)\n".utf8) }

    /// The right output of the work unit named `wuNNNN` (what an honest host computes from its input), or nil
    /// for a name no work unit has.
    static func rightOutput(of name: String) -> String? {
        guard name.hasPrefix("wu"), let index = Int(name.dropFirst(2)) else { return nil }
        return "result of \(name): \(CoordinatorClient.sha256(input(index)))\n"
    }

    /// Writes `count` input files and a manifest for project `name` (replication and quorum `quorum`) into
    /// `dir`; returns the manifest path.
    /// Writes a project manifest (at `quorum`, with the default collusion guard if `guarded`) and `count` inputs.
    func makeProject(in dir: URL, name: String, workUnits count: Int, quorum: Int = 2, guarded: Bool = false) throws
        -> (manifest: String, inputs: String)
    {
        let inputs = dir.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for i in 0..<count {
            try Self.input(i).write(to: inputs.appendingPathComponent(String(format: "wu%04d", i)))
        }
        try Data("synthetic app".utf8).write(to: dir.appendingPathComponent("app.wasm"))
        let manifest = dir.appendingPathComponent("manifest.json")
        try Data("""
            {"name": "\(name)", "description": "scenario", "appVersions": [{"platform": "wasm", "file": "app.wasm"}],
             "policy": {"replication": \(quorum), "quorum": \(quorum), "maxErrorTasks": 3, "maxTotalTasks": 8, "deadlineSeconds": 600,
                        "validator": {"kind": "bitwise"}, "credit": {"kind": "fixed", "flopsPerWorkUnit": \(Self.flopsPerWorkUnit)}
                        \(guarded ? ", \"collusionGuard\": {}" : "")}}
            """.utf8).write(to: manifest)
        return (manifest.path, inputs.path)
    }

    func submit(_ arguments: [String], server: ServerProcess) throws -> CommandResult {
        try CommandRunner.run(BuildProducts.executable("borg-submit"), arguments + ["--coordinator", server.url],
            environment: ["BORG_API_KEY": try server.adminKey])
    }

    /// Creates project `name` at `quorum` with a batch of `workUnits` work units through `borg-submit`, and one
    /// donor with one host of the given conduct per entry of `hosts`; returns the batch and the hosts by name.
    func startBatch(
        on server: ServerProcess, in dir: URL, name: String, quorum: Int = 2, guarded: Bool = false, workUnits: Int,
        hosts: [(name: String, conduct: SimulatedHost.Conduct)]
    ) async throws -> (batch: BatchID, hosts: [String: SimulatedHost]) {
        let (manifest, inputs) = try makeProject(in: dir, name: name, workUnits: workUnits, quorum: quorum, guarded: guarded)
        let created = try submit(["project", "create", "--manifest", manifest], server: server)
        #expect(created.status == 0, "\(created.stderr)")
        let submitted = try submit(["batch", "submit", name, "--inputs", inputs, "--quiet"], server: server)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let batch = try #require(BatchID(submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let admin = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
        var enrolled: [String: SimulatedHost] = [:]
        for (host, conduct) in hosts {
            let donor = try await admin.createDonor(name: host)
            enrolled[host] = try await SimulatedHost(coordinators: [server.url], token: donor.enrollmentToken, name: host, conduct: conduct)
        }
        return (batch, enrolled)
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

    /// The batch's results, checked to hold exactly its `workUnits` work units, all completed, with the
    /// canonical output of each (downloaded) by work unit name.
    func completedResults(_ batch: BatchID, workUnits: Int, admin: CoordinatorClient) async throws -> (BatchResults, [String: String]) {
        let results = try await admin.batchResults(batch)
        #expect(results.workUnits.count == workUnits, "the results list \(results.workUnits.count) work units, not \(workUnits)")
        #expect(Set(results.workUnits.map(\.name)).count == workUnits, "a work unit is listed twice")
        var outputs: [String: String] = [:]
        for unit in results.workUnits {
            #expect(unit.status == .completed, "\(unit.name) is \(unit.status)")
            let file = try #require(unit.outputs.first { $0.name == "out" }, "\(unit.name) has no canonical output")
            outputs[unit.name] = String(decoding: try await admin.download(file.sha256), as: UTF8.self)
        }
        return (results, outputs)
    }

    /// Every donor is credited for exactly the work units its host agreed on, at the cobblestone rate.
    func expectCreditForAgreement(_ results: BatchResults, hosts: [String: SimulatedHost], admin: CoordinatorClient) async throws {
        let donors = try await admin.donorStats()
        for (name, host) in hosts {
            let stats = try #require(donors.first { $0.donorID == host.donorID })
            let agreed = results.workUnits.filter { $0.agreeingHosts.contains(host.id) }.count
            #expect(stats.tasks.valid == agreed, "\(name) has \(stats.tasks.valid) valid tasks but agreed on \(agreed) work units")
            #expect(abs(stats.totalCredit - Double(agreed) * Self.creditPerTask) < 1e-6,
                    "\(name) has \(stats.totalCredit) credits for \(agreed) work units of \(Self.creditPerTask)")
        }
    }

    @Test func honestQuorumWinsOverLiarsAndResultsAreWritten() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-scenario")
        defer { dir.remove() }
        let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"))
        defer { server.stop() }
        let admin = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
        let (batch, hosts) = try await startBatch(on: server, in: dir.url, name: "scenario", workUnits: 200, hosts: [
            ("ada", .honest), ("bob", .honest), ("cy", .honest),
            ("liar", .forgesEachTask), ("stubborn", .forgesConsistently(ring: "stubborn"))])
        try await work(Array(hosts.values), until: batch, admin: admin)

        let status = try submit(["batch", "status", String(batch), "--json"], server: server)
        let final = try JSONDecoder().decode(BatchStatus.self, from: Data(status.stdout.utf8))
        #expect(final.completed == 200 && final.failed == 0 && final.state == .completed)

        let out = dir.url.appendingPathComponent("results")
        let results = try submit(["batch", "results", String(batch), "--out", out.path], server: server)
        #expect(results.status == 0, "\(results.stderr)")
        let manifestData = try Data(contentsOf: out.appendingPathComponent("manifest.json"))
        let written = try JSONDecoder().decode(BatchResults.self, from: manifestData)
        #expect(written.workUnits.count == 200, "the results list \(written.workUnits.count) work units")
        #expect(Set(written.workUnits.map(\.name)) == Set((0..<200).map { String(format: "wu%04d", $0) }))
        let liars = try ["liar", "stubborn"].map { try #require(hosts[$0]) }
        for unit in written.workUnits {
            for liar in liars { #expect(!unit.agreeingHosts.contains(liar.id), "a liar agreed on \(unit.name)") }
            #expect(unit.agreeingHosts.count >= 2)
            let file = out.appendingPathComponent(unit.name).appendingPathComponent("out")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text == Self.rightOutput(of: unit.name), "\(unit.name) has a forged canonical output: \(text)")
        }

        let donors = try await admin.donorStats()
        for liar in liars {
            let liarStats = try #require(donors.first { $0.donorID == liar.donorID })
            #expect(liarStats.totalCredit == 0)
            #expect(liarStats.tasks.valid == 0 && liarStats.tasks.invalid > 0)
        }
        try await expectCreditForAgreement(written, hosts: hosts, admin: admin)
    }

    /// Runs a batch of 40 work units at `quorum` (with the default collusion guard if `guarded`) on a new
    /// coordinator, with one host for each of the `others` donors and two colluding donors' hosts that report the
    /// same wrong output for a work unit. The colluders ask
    /// for work together first (so they hold two tasks of the same work units), then every host works until the
    /// batch ends. Checks every donor's credit against the work units it agreed on; returns the results, the
    /// canonical outputs by work unit name, the colluders and every donor's stats.
    func runWithColluders(quorum: Int, guarded: Bool = false, others: [(name: String, conduct: SimulatedHost.Conduct)])
        async throws
        -> (results: BatchResults, outputs: [String: String], colluders: [SimulatedHost], donors: [DonorStats]) {
        let dir = try TemporaryDirectory(prefix: "borg-collude")
        defer { dir.remove() }
        let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"))
        defer { server.stop() }
        let admin = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
        let ring = SimulatedHost.Conduct.forgesConsistently(ring: "mallory+trent")
        let (batch, hosts) = try await startBatch(on: server, in: dir.url, name: "collude", quorum: quorum, guarded: guarded,
            workUnits: 40, hosts: others + [("mallory", ring), ("trent", ring)])
        let colluders = try ["mallory", "trent"].map { try #require(hosts[$0]) }
        for colluder in colluders { #expect(try await colluder.cycle(maxTasks: 8) == 8) }
        try await work(Array(hosts.values), until: batch, admin: admin)
        let (results, outputs) = try await completedResults(batch, workUnits: 40, admin: admin)
        try await expectCreditForAgreement(results, hosts: hosts, admin: admin)
        return (results, outputs, colluders, try await admin.donorStats())
    }

    /// Two donors whose hosts report the same wrong output for a work unit: at quorum 3 they never win.
    @Test func colludersCannotOutvoteAQuorumOfThree() async throws {
        let (results, outputs, colluders, donors) = try await runWithColluders(quorum: 3, others: ["ada", "bob", "cy"].map { ($0, .honest) })
        let wrong = results.workUnits.filter { outputs[$0.name] != Self.rightOutput(of: $0.name) }
        #expect(wrong.isEmpty, "colluders' output is canonical for \(wrong.map(\.name))")
        for unit in results.workUnits { #expect(unit.agreeingHosts.count >= 3, "\(unit.name): \(unit.agreeingHosts)") }
        for colluder in colluders {
            let stats = try #require(donors.first { $0.donorID == colluder.donorID })
            #expect(stats.totalCredit == 0 && stats.tasks.valid == 0 && stats.tasks.invalid > 0, "\(stats)")
        }
    }

    /// Two donors whose hosts report the same wrong output for a work unit: at quorum 2 they win the work units
    /// they hold both tasks of — and only those: every wrong canonical output was agreed by colluders alone, every
    /// work unit an honest host agreed on is right, and no colluder is credited for one of those.
    @Test func colludersAtQuorumTwoWinOnlyWorkUnitsTheyHoldAlone() async throws {
        let (results, outputs, colluders, _) = try await runWithColluders(quorum: 2, others: ["ada", "bob"].map { ($0, .honest) })
        let colluderIDs = Set(colluders.map(\.id))
        var wrong: [String] = []
        for unit in results.workUnits {
            #expect(unit.agreeingHosts.count >= 2, "\(unit.name): \(unit.agreeingHosts)")
            if outputs[unit.name] == Self.rightOutput(of: unit.name) {
                #expect(colluderIDs.isDisjoint(with: unit.agreeingHosts), "a colluder agreed on the right output of \(unit.name)")
            } else {
                wrong.append(unit.name)
                #expect(colluderIDs.isSuperset(of: unit.agreeingHosts), "\(unit.name) is wrong, agreed by \(unit.agreeingHosts)")
            }
        }
        // Not vacuous: the work units both colluders fetched first went to them alone, and quorum 2 cannot tell.
        #expect(!wrong.isEmpty, "the colluders never held both tasks of a work unit")
    }

    /// Three of eleven donors lie, two of them colluding (the same wrong output, holding both tasks of their
    /// first work units): under the collusion guard no wrong output is canonical at quorum 2, and no liar is
    /// credited. (Without the guard the colluders win work units: the test above.)
    @Test func theCollusionGuardKeepsColludersFromWinningAtQuorumTwo() async throws {
        let honest = ["ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal"].map { (name: $0, conduct: SimulatedHost.Conduct.honest) }
        let (results, outputs, colluders, donors) = try await runWithColluders(
            quorum: 2, guarded: true, others: honest + [("liar", .forgesEachTask)])
        let wrong = results.workUnits.filter { outputs[$0.name] != Self.rightOutput(of: $0.name) }
        #expect(wrong.isEmpty, "colluders' output is canonical for \(wrong.map(\.name))")
        for colluder in colluders {
            let stats = try #require(donors.first { $0.donorID == colluder.donorID })
            #expect(stats.totalCredit == 0 && stats.tasks.valid == 0 && stats.tasks.invalid > 0, "\(stats)")
        }
        let tasks = donors.reduce(0) { $0 + $1.tasks.valid + $1.tasks.invalid }
        print("collusion guard: \(tasks) validated or invalidated tasks for 40 work units at quorum 2")
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

    /// Revoking a donor, removing a host, revoking an API key and rotating a token with `borg-server` on the
    /// running coordinator's data directory: each is refused within seconds, and a removed host's task is
    /// reissued to another donor.
    @Test func revocationIsHonouredWithinSeconds() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-revoke")
        defer { dir.remove() }
        let data = dir.url.appendingPathComponent("coordinator")
        let server = try ServerProcess(dataDirectory: data, arguments: ["--tick", "0.2"])
        defer { server.stop() }
        let borgServer = BuildProducts.executable("borg-server")
        func run(_ arguments: [String]) throws -> String {
            let result = try CommandRunner.run(borgServer, arguments + ["--data-dir", data.path])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let admin = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
        let (manifest, inputs) = try makeProject(in: dir.url, name: "rev", workUnits: 1)
        #expect(try submit(["project", "create", "--manifest", manifest], server: server).status == 0)
        #expect(try submit(["batch", "submit", "rev", "--inputs", inputs, "--quiet", "--replication", "1", "--quorum", "1"], server: server).status == 0)
        let mallory = try await admin.createDonor(name: "mallory")
        let stolen = try await SimulatedHost(coordinators: [server.url], token: mallory.enrollmentToken, name: "stolen")
        let task = try #require(try await stolen.client.requestWork(host: stolen.id, maxTasks: 1).tasks.first)

        _ = try run(["donor", "revoke", "mallory"])
        try await eventually("the revoked donor's host is refused") {
            do { _ = try await stolen.client.requestWork(host: stolen.id, maxTasks: 1); return false } catch let error as APIClientError {
                return error.status == 403
            }
        }
        await #expect(throws: APIClientError.self, "a revoked donor's token enrolls nothing") {
            _ = try await SimulatedHost(coordinators: [server.url], token: mallory.enrollmentToken, name: "again")
        }
        let alice = try await SimulatedHost(coordinators: [server.url], token: try await admin.createDonor(name: "alice").enrollmentToken,
                                            name: "laptop")
        try await eventually("the revoked host's task is reissued") {
            try await alice.client.requestWork(host: alice.id, maxTasks: 1).tasks.first?.workUnitID == task.workUnitID
        }

        _ = try run(["host", "remove", "\(alice.id)"])
        try await eventually("a removed host is refused") {
            do { _ = try await alice.client.heartbeat(host: alice.id, running: []); return false } catch { return true }
        }

        let token = try run(["donor", "rotate-token", "alice", "--quiet"])
        #expect(token.hasPrefix("enroll-"))
        _ = try await SimulatedHost(coordinators: [server.url], token: token, name: "desktop")

        let submitter = CoordinatorClient(coordinators: [server.url], credential: try await admin.createSubmitterKey(project: "rev").apiKey)
        _ = try await submitter.projects()
        let keys = try run(["key", "list"])
        let keyID = try #require(keys.split(separator: "\n").last { $0.contains("project rev") }?.split(separator: " ").first)
        _ = try run(["key", "revoke", String(keyID)])
        try await eventually("a revoked API key is refused") {
            do { _ = try await submitter.projects(); return false } catch let error as APIClientError { return error.status == 401 }
        }
        let missing = try CommandRunner.run(borgServer, ["donor", "revoke", "nobody", "--data-dir", data.path])
        #expect(missing.status != 0 && missing.stderr.contains("no donor named 'nobody'"))
    }

    /// Polls `condition` every 100 ms for up to `seconds` (revocation's promise: within seconds).
    func eventually(_ what: String, seconds: Double = 5, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("not within \(seconds) s: \(what)")
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
