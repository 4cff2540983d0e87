import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import BorgStore
import Foundation
import Testing

/// Replicated coordinators: three real `borg-server` processes on one dqlite cluster, protocol-level hosts
/// failing over between them.
@Suite(.serialized) struct ClusterScenarioTests {
    /// Work units of the failover scenario (the issue asks for 2,000; 600 keeps CI on 2 cores reasonable
    /// while still spreading two leader kills and a restart over the run).
    static let failoverWorkUnits = 600

    @Test func leaderKilledTwiceLosesNothingAndCountsNothingTwice() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-grid")
        defer { dir.remove() }
        let grid = try CoordinatorGrid(directory: dir.url, size: 3)
        defer { grid.stopAll() }
        let n = Self.failoverWorkUnits
        let workload = try await GridWorkload(urls: grid.urls, adminKey: try grid.adminKey, project: "failover",
                                              workUnits: n, hostCount: 6)
        workload.start()

        try await workload.waitForCompleted(n / 5, timeout: 120)
        let first = try await grid.leader()
        grid.stop(first, signal: SIGKILL)
        try await workload.waitForCompleted(n * 2 / 5, timeout: 120)
        let restarted = try grid.start(first)
        try await workload.waitForCompleted(n * 3 / 5, timeout: 120)
        let second = try await grid.leader()
        grid.stop(second, signal: SIGKILL)
        try await workload.waitForCompleted(n, timeout: 180)
        await workload.stop()

        // The restarted coordinator caught up: it is a member again and answers with the final state.
        let caughtUp = try await CoordinatorClient(coordinators: [restarted.url], credential: try grid.adminKey)
            .batchStatus(workload.batch)
        #expect(caughtUp.completed == n && caughtUp.state == .completed)

        let store = try await Store(directory: dir.url.appendingPathComponent("inspect"),
                                    backend: DqliteBackend(seeds: grid.clusterAddresses))
        defer { store.close() }
        let (reported, doubleCanonical, credit, totals) = try await store.read { q in
            (Set(try q.db.query("SELECT id FROM task WHERE reported_at IS NOT NULL").map { $0.int(0) }),
             try q.db.query("""
                SELECT w.id FROM work_unit w JOIN task c ON c.id = w.canonical_task_id
                JOIN task t ON t.wu_id = w.id AND t.validate_state = 'valid' AND t.outputs != c.outputs
                UNION SELECT id FROM work_unit WHERE status = 'completed' AND canonical_task_id IS NULL
                """).map { $0.int(0) },
             try q.validCreditByDonor(), try q.donorTotals())
        }
        let acknowledged = workload.acknowledged.all
        #expect(!acknowledged.isEmpty)
        #expect(acknowledged.isSubset(of: reported), "lost acknowledged reports: \(acknowledged.subtracting(reported).sorted().prefix(10))")
        #expect(doubleCanonical.isEmpty, "work units with disagreeing canonical outputs: \(doubleCanonical.prefix(10))")
        for donor in totals where donor.valid > 0 {
            #expect(abs(donor.totalCredit - (credit[donor.id] ?? 0)) < 1e-6, "donor \(donor.name) credit differs from its valid tasks")
        }
        #expect(totals.contains { $0.valid > 0 })
    }

    @Test func aCoordinatorJoinsAndAnotherLeavesWhileWorkFlows() async throws {
        let dir = try TemporaryDirectory(prefix: "borg-members")
        defer { dir.remove() }
        let grid = try CoordinatorGrid(directory: dir.url, size: 3)
        defer { grid.stopAll() }
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
            "cluster", "remove", String(leavingID), "--coordinator", "127.0.0.1:\(added.port)",
            "--cluster-secret", grid.secret])
        #expect(removed.status == 0, "\(removed.stderr)")
        grid.stop(leaving, signal: SIGTERM)
        let listed = try CommandRunner.run(BuildProducts.executable("borg-server"), [
            "cluster", "status", "--coordinator", "127.0.0.1:\(added.port)", "--cluster-secret", grid.secret])
        #expect(listed.status == 0 && listed.stdout.contains(String(fourth)) && !listed.stdout.contains(String(leavingID)),
                "\(listed.stdout)\(listed.stderr)")

        try await workload.waitForCompleted(200, timeout: 180)
        await workload.stop()
        let health = try await CoordinatorClient(coordinators: [added.url]).health()
        #expect(health.coordinators.contains(added.url))

        let wrongSecret = try CommandRunner.run(BuildProducts.executable("borg-server"), [
            "cluster", "status", "--coordinator", "127.0.0.1:\(added.port)", "--cluster-secret", "nope"])
        #expect(wrongSecret.status != 0 && wrongSecret.stderr.contains("wrong cluster secret"))
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
    }
}
