import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation
import Testing

@Suite struct HostRoutesTests {
    @Test func quorumOfTwoHonestHostsCompletesAndCreditsBoth() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            let batch = try await f.submit(3)
            let a = try await f.host("a")
            let b = try await f.host("b")
            let tasksA = try await a.work()
            let tasksB = try await b.work()
            #expect(tasksA.count == 3 && tasksB.count == 3, "each donor gets one task of each work unit")
            #expect(Set(tasksA.map(\.workUnitID)) == Set(tasksB.map(\.workUnitID)))
            try await a.complete(tasksA)
            try await b.complete(tasksB)
            let status = try await f.admin.batchStatus(batch)
            #expect(status.completed == 3 && status.state == .completed)
            let donors = try await f.admin.donorStats()
            let credit = ProjectPolicy().credit.credit(measuredWork: 0)
            for donor in donors where donor.name != "default" {
                #expect(abs(donor.totalCredit - 3 * credit) < 1e-9)
                #expect(donor.tasks.valid == 3)
            }
        }
    }

    /// One report request validating many work units credits each of them, with recent average credit
    /// accumulated grant after grant (the store loads the work units together).
    @Test func creditAndRecentAverageCountEveryTaskOfOneReport() async throws {
        let clock = TestClock()
        try await CoordinatorFixture.run(clock: { clock.now }) { f in
            try await f.makeProject()
            _ = try await f.submit(4)
            let a = try await f.host("a")
            let b = try await f.host("b")
            let tasksA = try await a.work()
            let tasksB = try await b.work()
            try await b.complete(tasksB)
            clock.advance(3_600)
            try await a.complete(tasksA)
            let credit = ProjectPolicy().credit.credit(measuredWork: 0)
            var expectedA = RecentAverageCredit()
            for _ in 0..<4 { expectedA.add(credit, now: clock.now) }
            let donors = try await f.admin.donorStats()
            for donor in donors where donor.name != "default" {
                #expect(abs(donor.totalCredit - 4 * credit) < 1e-9)
                #expect(abs(donor.rac - expectedA.value) < 1e-9, "\(donor.name): RAC \(donor.rac), expected \(expectedA.value)")
            }
            let hosts = try await f.admin.hostStats()
            #expect(hosts.count == 2 && hosts.allSatisfy { abs($0.rac - expectedA.value) < 1e-9 && $0.tasks.valid == 4 })
        }
    }

    @Test func sameDonorNeverGetsBothReplicas() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(2)
            let a = try await f.host("a")
            let tasks = try await a.work(10)
            #expect(tasks.count == 2)
            #expect(Set(tasks.map(\.workUnitID)).count == 2)
            #expect(try await a.work(10).isEmpty)
        }
    }

    @Test func aHostThatLostAWorkReplyGetsItsTasksAgain() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(3)
            let a = try await f.host("a")
            let lost = try await a.client.requestWork(host: a.id, maxTasks: 2).tasks
            #expect(lost.count == 2)
            // The reply never arrived: the host holds nothing and says so.
            let again = try await a.client.requestWork(host: a.id, maxTasks: 10, held: []).tasks
            #expect(Set(again.map(\.taskID)).isSuperset(of: lost.map(\.taskID)), "lost tasks are sent again")
            #expect(again.count == 3, "and the rest of the request is filled with new work")
            #expect(again.filter { lost.map(\.taskID).contains($0.taskID) }.sorted { $0.taskID < $1.taskID }
                    == lost.sorted { $0.taskID < $1.taskID }, "with the same assignments")
            let held = try await a.client.requestWork(host: a.id, maxTasks: 10, held: again.map(\.taskID)).tasks
            #expect(held.isEmpty, "tasks the host holds are not sent twice")
            #expect(try await a.complete(again).accepted.count == 3)
        }
    }

    @Test func reportsAreIdempotentAndForeignOrUnknownTasksAreRefused() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(1)
            let a = try await f.host("a")
            let b = try await f.host("b")
            let task = try #require(try await a.work().first)
            #expect(try await a.complete([task]).accepted == [task.taskID])
            #expect(try await a.complete([task]).accepted == [task.taskID], "a retried report is accepted again")
            await #expect(throws: APIClientError(status: 403, reason: "task \(task.taskID) was not given to host \(b.id)")) {
                try await b.complete([task])
            }
            await #expect(throws: APIClientError.self) {
                try await a.client.report(host: a.id, [TaskReport(taskID: 424242, status: .error)])
            }
            let forged = TaskReport(taskID: task.taskID, status: .success, outputs: [ReportedOutput(name: "out", sha256: String(repeating: "0", count: 64), size: 1, data: "QQ==")])
            await #expect(throws: APIClientError.self, "a report differing from the accepted one is refused") {
                try await a.client.report(host: a.id, [forged])
            }
        }
    }

    @Test func reportForACancelledTaskIs409AndNothingElseChanges() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            let batch = try await f.submit(1)
            let a = try await f.host("a")
            let task = try #require(try await a.work().first)
            _ = try await f.admin.cancelBatch(batch)
            do {
                try await a.complete([task])
                Issue.record("a cancelled task's report was accepted")
            } catch let error as APIClientError {
                #expect(error.status == 409)
                #expect(error.reason.contains("cancelled"))
            }
            let heartbeat = try await a.client.heartbeat(host: a.id, running: [])
            #expect(heartbeat.cancelledTasks == [task.taskID])
            #expect(try await f.admin.batchStatus(batch).state == .cancelled)
        }
    }

    @Test func hostsAreToldAboutTasksCancelledByQuorum() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject(policy: ProjectPolicy(replication: 3, quorum: 2))
            _ = try await f.submit(1)
            let (a, b, c) = (try await f.host("a"), try await f.host("b"), try await f.host("c"))
            let ta = try await a.work(), tb = try await b.work(), tc = try await c.work()
            #expect(tc.count == 1)
            try await a.complete(ta)
            try await b.complete(tb)
            let told = try await c.client.heartbeat(host: c.id, running: tc.map(\.taskID)).cancelledTasks
            #expect(told == tc.map(\.taskID))
            #expect(try await c.client.heartbeat(host: c.id, running: []).cancelledTasks.isEmpty, "told once")
        }
    }

    @Test func abandonReissuesAtOnceAndALeavingHostGetsNoMoreWork() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(2)
            let a = try await f.host("a")
            let b = try await f.host("b")
            let taken = try await a.work()
            #expect(taken.count == 2)
            let abandoned = try await a.client.abandon(host: a.id, leaving: true)
            #expect(Set(abandoned.abandoned) == Set(taken.map(\.taskID)))
            #expect(try await b.work().count == 2)
            await #expect(throws: APIClientError.self) { try await a.work() }
        }
    }

    @Test func timedOutTasksAreReissuedAndLateReportsRefused() async throws {
        let clock = TestClock()
        try await CoordinatorFixture.run(clock: { clock.now }) { f in
            try await f.makeProject(policy: ProjectPolicy(replication: 2, quorum: 2, deadlineSeconds: 60))
            _ = try await f.submit(1)
            let a = try await f.host("a")
            let task = try #require(try await a.work().first)
            #expect(task.deadline == clock.now + 60)
            clock.advance(61)
            try await f.coordinator.tick()
            do {
                try await a.complete([task])
                Issue.record("a late report was accepted")
            } catch let error as APIClientError {
                #expect(error.status == 409 && error.reason.contains("deadline"))
            }
            let stats = try await f.admin.projectStats()
            #expect(stats.first?.tasksUnsent == 2, "the timed-out task was replaced")
        }
    }
}

extension HostRoutesTests {
    @Test func lateTasksOfABatchTailGetOneBackupAndTheFirstQuorumWins() async throws {
        let clock = TestClock()
        try await CoordinatorFixture.run(clock: { clock.now }) { f in
            try await f.makeProject(policy: ProjectPolicy(replication: 2, quorum: 2, deadlineSeconds: 3600))
            let batch = try await f.submit(1)
            let (a, b, c) = (try await f.host("a"), try await f.host("b"), try await f.host("c"))
            let ta = try await a.work(), tb = try await b.work()
            #expect(try await c.work().isEmpty)
            clock.advance(StragglerPolicy().minimumSeconds + 1)
            try await f.coordinator.tick()
            let backup = try await c.work()
            #expect(backup.count == 1, "the tail work unit got a backup task")
            try await f.coordinator.tick()
            #expect(try await f.admin.projectStats().first?.tasksUnsent == 0, "only one backup at a time")
            try await a.complete(ta)
            try await c.complete(backup)
            #expect(try await f.admin.batchStatus(batch).state == .completed)
            let told = try await b.client.heartbeat(host: b.id, running: tb.map(\.taskID)).cancelledTasks
            #expect(told == tb.map(\.taskID), "the straggler is told to stop")
        }
    }

    @Test func trustedHostEarnsSingleReplicaWorkAndLosesTrustOnAnInvalidResult() async throws {
        try await CoordinatorFixture.run { f in
            let adaptive = AdaptiveReplicationPolicy(trustThreshold: 2, spotCheckProbability: 0)
            try await f.makeProject(policy: ProjectPolicy(replication: 2, quorum: 2, adaptiveReplication: adaptive))
            _ = try await f.submit(4)
            let (a, b) = (try await f.host("a"), try await f.host("b"))
            // Two work units at quorum 2 make host a trusted.
            try await a.complete(try await a.work(2))
            try await b.complete(try await b.work(2))
            #expect(try await f.admin.hostStats(a.id).consecutiveValid == 2)
            // Now a gets the next work unit alone; its sibling task is cancelled, so b finds only the last one.
            let alone = try await a.work(1)
            try await a.complete(alone)
            let results = try await f.admin.batchResults(1)
            let unit = try #require(results.workUnits.first { $0.workUnitID == alone[0].workUnitID })
            #expect(unit.status == .completed && unit.agreeingHosts == [a.id])
            #expect(try await b.work(5).count == 1)
        }
    }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = 1_800_000_000.0
    var now: Double { lock.withLock { time } }
    func advance(_ seconds: Double) { lock.withLock { time += seconds } }
}
