import BorgAPIClient
import BorgCluster
import BorgCore
import BorgHarness
import BorgProtocol
import BorgStore
import Foundation
import Testing

/// Replicated coordinators: three real `borg-server` processes on one dqlite cluster, with real
/// `borg-client` donors (or protocol-level hosts) failing over between them.
@Suite(.serialized) struct ClusterScenarioTests {
    /// Work units of the failover scenario.
    static let failoverWorkUnits = 2_000

    /// Three coordinators, four real `borg-client` donors running a native app, a 2,000-work-unit batch at
    /// quorum 2; the leading coordinator is SIGKILLed twice (and restarted once) while the batch runs.
    @Test func leaderKilledTwiceLosesNothingAndCountsNothingTwice() async throws {
        let grid = try DonorGrid(prefix: "borg-grid", replicas: 3)
        defer { grid.shutDown() }
        let coordinators = try #require(grid.coordinators)
        let key = try grid.createKey("keys")
        try grid.createProject("sums", app: Self.sumApp, platform: "native-linux-x86_64", replication: 2, quorum: 2, signingKey: key)
        let n = Self.failoverWorkUnits
        let batch = try grid.submitRanges("sums", (0..<n).map { "\($0) \($0 * 7)" })
        var donors: [URL] = []
        for name in ["ada", "bob", "cy", "dee"] {
            let data = try await grid.enroll(name, cpu: "100%")
            donors.append(data)
            _ = try grid.start(data)
        }

        try await grid.waitForCompleted(batch, n / 5, timeout: 300)
        let first = try await coordinators.leader()
        coordinators.stop(first, signal: SIGKILL)
        try await grid.waitForCompleted(batch, n * 2 / 5, timeout: 300)
        let restarted = try coordinators.start(first)
        try await grid.waitForCompleted(batch, n * 3 / 5, timeout: 300)
        let second = try await coordinators.leader()
        try #require(second != first, "the restarted coordinator \(first) leads again: the second kill would hit it twice")
        coordinators.stop(second, signal: SIGKILL)
        let status = try await grid.waitForBatch(batch, timeout: 600)
        #expect(status.completed == n && status.failed == 0)

        // The restarted coordinator caught up: its own dqlite node takes the lead (Raft hands it only to a member
        // whose log is complete) and serves the final state, read through that coordinator while it leads.
        let restartedNode = try coordinators.nodeID(first)
        try await coordinators.transferLeadership(to: first)
        #expect(try coordinators.leaderNodeID() == restartedNode)
        let throughRestarted = CoordinatorClient(coordinators: [restarted.url], credential: grid.adminKey)
        let caughtUp = try await throughRestarted.batchStatus(batch)
        let results = try await throughRestarted.batchResults(batch)
        var canonical: [String: String] = [:]
        for unit in results.workUnits {
            let file = try #require(unit.outputs.first { $0.name == "sum" }, "\(unit.name) has no canonical output")
            canonical[unit.name] = String(decoding: try await throughRestarted.download(file.sha256), as: UTF8.self)
        }
        #expect(try coordinators.leaderNodeID() == restartedNode, "leadership moved while the final state was read")
        #expect(caughtUp.completed == n && caughtUp.state == .completed)

        // Every coordinator still running serves the dashboard, the follower too, naming the one that leads.
        for server in coordinators.servers.values {
            let (status, page) = try await CoordinatorClient(coordinators: [server.url]).raw(.GET, "/")
            let html = String(decoding: page, as: UTF8.self)
            #expect(status == 200 && html.contains("<tr><td>\(restarted.url)</td><td>leads</td></tr>"), "\(server.url)'s grid page")
        }

        // Every canonical output is the right answer.
        #expect(results.workUnits.count == n && canonical.count == n)
        let wrong = (0..<n).map { String(format: "primes-%05d", $0) }.filter { canonical[$0] != "\(Int($0.suffix(5))! * 8)\n" }
        #expect(wrong.isEmpty, "\(wrong.count) work units without the right canonical output, e.g. \(wrong.prefix(5))")

        let store = try await Store(directory: grid.dir.url.appendingPathComponent("inspect"),
                                    backend: DqliteBackend(seeds: coordinators.clusterAddresses, dialer: coordinators.dqliteDialer))
        defer { store.close() }
        let (reported, doubleCanonical, credit, totals) = try await store.read { q in
            (Set(try q.db.query("SELECT id FROM task WHERE reported_at IS NOT NULL").map { $0.id(0) as TaskID }),
             try q.db.query("""
                SELECT w.id FROM work_unit w JOIN task c ON c.id = w.canonical_task_id
                JOIN task t ON t.wu_id = w.id AND t.validate_state = 'valid' AND t.outputs != c.outputs
                UNION SELECT id FROM work_unit WHERE status = 'completed' AND canonical_task_id IS NULL
                """).map { $0.int(0) },
             try q.validCreditByDonor(), try q.donorTotals())
        }
        // Every report a donor saw acknowledged (it logs "task N reported" after a 2xx) is stored.
        let acknowledged = Set(grid.clients.flatMap { Self.reportedTasks(in: $0.log) })
        #expect(acknowledged.count >= n * 2 - 50, "donors acknowledged only \(acknowledged.count) reports")
        #expect(acknowledged.isSubset(of: reported), "lost acknowledged reports: \(acknowledged.subtracting(reported).sorted().prefix(10))")
        #expect(doubleCanonical.isEmpty, "work units with disagreeing canonical outputs: \(doubleCanonical.prefix(10))")
        for donor in totals where donor.valid > 0 {
            #expect(abs(donor.totalCredit - (credit[donor.id] ?? 0)) < 1e-6, "donor \(donor.name) credit differs from its valid tasks")
        }
        #expect(totals.filter { $0.valid > 0 }.count == 4, "every donor contributed")
    }

    /// A native app: reads `lo hi` from `in/range`, writes their sum to `out/sum`.
    static let sumApp = Data("#!/bin/sh\nread lo hi < in/range\necho $((lo + hi)) > out/sum\n".utf8)

    /// Task ids a `borg-client` log says were reported (acknowledged by a coordinator).
    static func reportedTasks(in log: String) -> [TaskID] {
        log.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 4, words[1] == "task", words[3] == "reported" else { return nil }
            return TaskID(String(words[2]))
        }
    }

    @Test func aCoordinatorJoinsAndAnotherLeavesWhileWorkFlows() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-members")
        defer { dir.remove() }
        let grid = try CoordinatorGrid(directory: dir.url, size: 3)
        let workload = try await GridWorkload(urls: grid.urls, adminKey: try grid.adminKey, project: "members",
                                              workUnits: 200, hostCount: 4)
        workload.start()
        try await workload.waitForCompleted(40, timeout: 120)

        let added = try grid.start(3)
        let status = try await grid.status()
        let fourth = try grid.nodeID(3)
        #expect(status.members.count == 4)
        #expect(status.members.first { $0.nodeID == fourth }?.role == "standby", "a fourth coordinator joins as standby")

        // Remove a follower with the CLI, then stop it.
        let leader = try await grid.leader()
        let leaving = [1, 2].first { $0 != leader }!
        let leavingID = try grid.nodeID(leaving)
        let removed = try CommandRunner.run(BuildProducts.executable("borg-server"), [
            "cluster", "remove", String(leavingID), "--cluster-address", try #require(grid.clusterAddress(3)),
            "--cluster-secret", grid.secret])
        #expect(removed.status == 0, "\(removed.stderr)")
        grid.stop(leaving, signal: SIGTERM)
        let listed = try CommandRunner.run(BuildProducts.executable("borg-server"), [
            "cluster", "status", "--cluster-address", try #require(grid.clusterAddress(3)), "--cluster-secret", grid.secret])
        #expect(listed.status == 0 && listed.stdout.contains(String(fourth)) && !listed.stdout.contains(String(leavingID)),
                "\(listed.stdout)\(listed.stderr)")
        #expect(listed.stdout.contains("s ago"), "cluster status shows when each coordinator was last seen: \(listed.stdout)")

        try await workload.waitForCompleted(200, timeout: 180)
        await workload.stop()
        let health = try await CoordinatorClient(coordinators: [added.url]).health()
        #expect(health.coordinators.contains(added.url))

        // `borg-server donor add` on a member's data directory creates the donor for the whole grid.
        let added3 = try CommandRunner.run(BuildProducts.executable("borg-server"),
            ["donor", "add", "grace", "--quiet", "--data-dir", grid.dataDirectory(3).path])
        #expect(added3.status == 0, "\(added3.stderr)")
        let grace = try await SimulatedHost(coordinators: [try #require(grid.servers[0]).url],
            token: added3.stdout.trimmingCharacters(in: .whitespacesAndNewlines), name: "grace-laptop")
        #expect(try await CoordinatorClient(coordinators: grid.urls).donorStats(grace.donorID).name == "grace")
        let listed3 = try CommandRunner.run(BuildProducts.executable("borg-server"), ["donor", "list", "--data-dir", grid.dataDirectory(0).path])
        #expect(listed3.stdout.contains("grace"), "\(listed3.stdout)\(listed3.stderr)")

        // The cluster CLI and --join say what is wrong with the link: another secret, or an HTTP address.
        let wrongSecret = try CommandRunner.run(BuildProducts.executable("borg-server"), [
            "cluster", "status", "--cluster-address", try #require(grid.clusterAddress(3)), "--cluster-secret", "nope"])
        #expect(wrongSecret.status != 0 && wrongSecret.stderr.contains("holds another cluster secret"), "\(wrongSecret.stderr)")
        let httpAddress = try CommandRunner.run(BuildProducts.executable("borg-server"), [
            "cluster", "status", "--cluster-address", "127.0.0.1:\(added.port)", "--cluster-secret", grid.secret])
        #expect(httpAddress.status != 0 && httpAddress.stderr.contains("not its HTTP --listen address"), "\(httpAddress.stderr)")
        let stranger = try CommandRunner.run(BuildProducts.executable("borg-server"), [
            "serve", "--data-dir", dir.url.appendingPathComponent("stranger").path, "--listen", "127.0.0.1:0",
            "--cluster-listen", "127.0.0.1:\(try FreePort.loopback())", "--cluster-secret", "nope",
            "--join", try #require(grid.clusterAddress(0))])
        #expect(stranger.status != 0 && stranger.stderr.contains("cannot join the grid through --join")
                    && stranger.stderr.contains("holds another cluster secret"), "\(stranger.stderr)")
    }

    @Test func aStandbyTakesTheVoteOfACoordinatorGoneForGood() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-voters")
        defer { dir.remove() }
        // Four coordinators, three of them voters: the fourth joins as a standby.
        let grid = try CoordinatorGrid(directory: dir.url, size: 4, arguments: ["--tick", "0.2", "--max-voters", "3", "--voter-grace", "3"])
        defer { grid.stopAll() }
        let client = CoordinatorClient(coordinators: grid.urls, credential: try grid.adminKey, timeout: .seconds(15))
        let roles = { () async throws -> [UInt64: String] in
            Dictionary(uniqueKeysWithValues: try await grid.status().members.map { ($0.nodeID, $0.role) })
        }
        let before = try await roles()
        let standby = try #require(before.first { $0.value == "standby" }?.key, "\(before)")
        #expect(before.values.filter { $0 == "voter" }.count == 3)

        // A voter killed for good: after the grace period the standby votes and the dead one is a spare.
        let first = try #require((0..<4).first { (try? grid.nodeID($0)) != standby })
        let firstNode = try grid.nodeID(first)
        grid.stop(first, signal: SIGKILL)
        let deadline = Date().addingTimeInterval(60)
        var after = try await roles()
        while !(after[standby] == "voter" && after[firstNode] == "spare"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(250))
            after = (try? await roles()) ?? after
        }
        #expect(after[standby] == "voter" && after[firstNode] == "spare", "roles after a voter died: \(after)")

        // A second original voter killed: two of the three voters are left, so the grid still takes writes.
        let second = try #require((0..<4).first { $0 != first && (try? grid.nodeID($0)) != standby })
        grid.stop(second, signal: SIGKILL)
        let written = try await client.createDonor(name: "after-two-losses")
        #expect(written.name == "after-two-losses")
    }

    @Test func aMinorityCoordinatorRefusesWrites() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-minority")
        defer { dir.remove() }
        let grid = try CoordinatorGrid(directory: dir.url, size: 3)
        defer { grid.stopAll() }
        let key = try grid.adminKey
        let survivor = try #require(grid.servers[2])
        let client = CoordinatorClient(coordinators: [survivor.url], credential: key)
        _ = try await client.createDonor(name: "before")

        // dqlite's own plain protocol on a coordinator's --cluster-listen port runs no SQL: no reply to LEADER or
        // OPEN; with the grid's credentials the same port answers.
        for address in grid.clusterAddresses {
            let raw = try DqliteConnection(address: address, timeout: 3, dialer: TCPDialer())
            #expect(throws: DqliteError.self, "\(address) answered LEADER in plain dqlite") { try raw.leader() }
            let rawOpen = try DqliteConnection(address: address, timeout: 3, dialer: TCPDialer())
            #expect(throws: DqliteError.self, "\(address) opened a database for plain dqlite") { try rawOpen.open(database: "borg") }
            let member = try DqliteConnection(address: address, timeout: 3, dialer: grid.dqliteDialer)
            #expect(try member.leader() != nil, "\(address) knows no leader")
        }
        let intrusion = "INSERT INTO donor (name, token_hash, created_at) VALUES ('intruder', 'x', 0)"
        let plain = DqliteClient(seeds: grid.clusterAddresses, database: "borg", timeout: 2)
        #expect(throws: DqliteError.self, "a plain dqlite client ran SQL on the grid") { try plain.execute(intrusion) }
        let member = DqliteClient(seeds: grid.clusterAddresses, database: "borg", timeout: 10, dialer: grid.dqliteDialer)
        #expect(try member.query("SELECT count(*) FROM donor WHERE name = 'intruder'").rows == [[.integer(0)]])
        member.close()
        grid.stop(0, signal: SIGKILL)
        grid.stop(1, signal: SIGKILL)
        let (status, body) = try await client.raw(.POST, "/v1/donors", body: Data(#"{"name": "after"}"#.utf8))
        #expect(status == 503)
        let reason = try JSONDecoder().decode(APIErrorBody.self, from: body).error
        #expect(reason.contains("no quorum"), "\(reason)")

        // Back to a majority: the write goes through, and the refused one never happened.
        try grid.start(1)
        let after = try await client.createDonor(name: "after")
        #expect(after.name == "after")

        // SIGTERM stops every coordinator cleanly, the last one without a quorum too.
        for index in [1, 2] {
            #expect(grid.stop(index, signal: SIGTERM) == 0, "coordinator \(index) did not exit cleanly")
        }
    }

    /// Coordinators reach each other's API only through the cluster link (mutual TLS from the cluster secret):
    /// every coordinator advertises a URL nothing listens on, yet a write sent to a follower reaches the leader
    /// (forwarded over the link), and a blob uploaded there is copied to a second coordinator the same way.
    @Test func coordinatorsTalkToEachOtherOverTheClusterLink() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-link")
        defer { dir.remove() }
        let closedPort = try FreePort.loopback()
        let grid = try CoordinatorGrid(directory: dir.url, size: 3, argumentsOfCoordinator: { index in
            ["--advertise", "http://127.0.0.1:\(closedPort)/coordinator\(index)"]
        })
        defer { grid.stopAll() }
        let key = try grid.adminKey
        // Larger than a small blob (those live in the database), so the file is copied to a peer.
        let blob = Data((0..<(300 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        for (index, url) in grid.urls.enumerated() {
            let client = CoordinatorClient(coordinators: [url], credential: key, timeout: .seconds(30))
            let donor = try await client.createDonor(name: "through-\(index)")
            #expect(donor.name == "through-\(index)")
        }
        let follower = CoordinatorClient(coordinators: [grid.urls[2]], credential: key, timeout: .seconds(30))
        let sha = try await follower.upload(blob)
        // The leader kept the file and copied it to a peer: at least two coordinators hold it.
        var holders = 0
        for index in 0..<3 where FileManager.default.fileExists(atPath: grid.dataDirectory(index)
            .appendingPathComponent("blobs/\(sha.prefix(2))/\(sha)").path) {
            holders += 1
        }
        #expect(holders >= 2, "the blob reached \(holders) coordinators")
    }
}
