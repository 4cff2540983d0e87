import BorgAPIClient
import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Testing

/// Finished batches are purged once collected (or old), unreferenced blobs collected, and what donors earned
/// stays.
@Suite struct RetentionTests {
    /// A batch both hosts completed, with one output uploaded as a blob and the rest inline.
    private func completedBatch(_ f: CoordinatorFixture, units: Int) async throws -> (batch: BatchID, largeOutput: String) {
        try await f.makeProject()
        let batch = try await f.submit(units)
        let hosts = [try await f.host("a"), try await f.host("b")]
        let large = Data(repeating: 42, count: 300 << 10)
        var largeSHA = ""
        for host in hosts {
            let tasks = try await host.work()
            #expect(tasks.count == units)
            largeSHA = try await host.client.upload(large, host: host.id)
            var reports = tasks.map { TaskReport(taskID: $0.taskID, status: .success, outputs: [host.output(for: $0)], cpuSeconds: 1) }
            reports[0].outputs.append(ReportedOutput(name: "big", sha256: largeSHA, size: Int64(large.count)))
            #expect(try await host.client.report(host: host.id, reports).accepted.count == units)
        }
        #expect(try await f.admin.batchStatus(batch).state == .completed)
        return (batch, largeSHA)
    }

    private func rows(_ f: CoordinatorFixture, _ sql: String) async throws -> Int64 {
        try await f.coordinator.store.read { q in try q.db.queryOne(sql)?.int(0) ?? -1 }
    }

    @Test func aCollectedBatchIsPurgedAndWhatDonorsEarnedStays() async throws {
        try await CoordinatorFixture.run(retention: RetentionPolicy(afterCollection: 0, unreferencedBlob: 0)) { f in
            let (batch, largeSHA) = try await completedBatch(f, units: 3)
            let results = try await f.admin.batchResults(batch)
            let outputs = results.workUnits.flatMap(\.outputs).map(\.sha256)
            let donorsBefore = try await f.admin.donorStats()
            let hostsBefore = try await f.admin.hostStats()
            let projectBefore = try await f.admin.projectStats()

            var applied = try await f.coordinator.applyRetention()
            #expect(applied.purge.workUnits == 0, "nothing is purged before the results are collected")
            #expect(try await f.admin.batchResults(batch).workUnits.count == 3)

            let marked = try await f.admin.markCollected(batch)
            #expect(marked.collectedAt != nil)
            applied = try await f.coordinator.applyRetention()
            #expect(applied.purge == PurgeSummary(batches: [batch], workUnits: 3))

            #expect(try await rows(f, "SELECT count(*) FROM work_unit") == 0)
            #expect(try await rows(f, "SELECT count(*) FROM task") == 0)
            for sha in outputs + [largeSHA] { #expect(try await !f.coordinator.store.hasBlob(sha), "output \(sha) was kept") }
            #expect(try await rows(f, "SELECT count(*) FROM blob") == 1, "only the app, which a project still names, stays")

            let (status, reason) = try await f.raw(.get, "/v1/batches/\(batch)/results", body: nil, credential: f.admin.credential)
            #expect(status == 410 && reason.contains("purged"), "\(status) \(reason)")
            let after = try await f.admin.batchStatus(batch)
            #expect(after.purgedAt != nil && after.completed == 3 && after.workUnits == 3)
            let donorsAfter = try await f.admin.donorStats()
            #expect(donorsAfter.map(\.totalCredit) == donorsBefore.map(\.totalCredit))
            #expect(donorsAfter.map(\.tasks) == donorsBefore.map(\.tasks))
            #expect(donorsBefore.filter { $0.totalCredit > 0 }.count == 2)
            let hostsAfter = try await f.admin.hostStats()
            #expect(hostsAfter.map(\.totalCredit) == hostsBefore.map(\.totalCredit))
            #expect(hostsAfter.map(\.tasks) == hostsBefore.map(\.tasks))
            #expect(try await f.admin.projectStats().map(\.creditGranted) == projectBefore.map(\.creditGranted))
            #expect(projectBefore.first?.creditGranted ?? 0 > 0)
        }
    }

    @Test func anActiveBatchIsNeitherCollectedNorPurged() async throws {
        try await CoordinatorFixture.run(retention: RetentionPolicy(afterCollection: 0, afterFinish: 0, unreferencedBlob: 0)) { f in
            try await f.makeProject()
            let batch = try await f.submit(2)
            let (status, reason) = try await f.raw(.post, "/v1/batches/\(batch)/collected", body: nil, credential: f.admin.credential)
            #expect(status == 409 && reason.contains("still active"), "\(status) \(reason)")
            let applied = try await f.coordinator.applyRetention()
            #expect(applied.purge.workUnits == 0 && applied.blobs == 0, "inputs of an active batch are referenced")
            #expect(try await f.admin.batchResults(batch).workUnits.count == 2)
        }
    }

    @Test func anUnreferencedBlobIsCollectedOnlyAfterItsGrace() async throws {
        let clock = TestClock()
        try await CoordinatorFixture.run(clock: { clock.now }, retention: RetentionPolicy(unreferencedBlob: 600)) { f in
            let small = try await f.admin.upload(Data("nobody refers to me".utf8))
            clock.advance(500)
            #expect(try await f.coordinator.applyRetention().blobs == 0)
            _ = try await f.admin.upload(Data("nobody refers to me".utf8))
            clock.advance(500)
            #expect(try await f.coordinator.applyRetention().blobs == 0, "stored again 500 s ago: spared")
            #expect(try await f.coordinator.store.hasBlob(small))
            clock.advance(60)
            #expect(try await f.coordinator.applyRetention().blobs == 0, "a small blob waits a minute more (the refresh interval)")
            clock.advance(101)
            #expect(try await f.coordinator.applyRetention().blobs == 1)
            #expect(try await !f.coordinator.store.hasBlob(small))
        }
    }

    @Test func aFinishedBatchNobodyCollectsIsPurgedWhenOld() async throws {
        let clock = TestClock()
        try await CoordinatorFixture.run(clock: { clock.now }, retention: RetentionPolicy(afterFinish: 86_400)) { f in
            let batch = try await completedBatch(f, units: 2).batch
            clock.advance(86_000)
            #expect(try await f.coordinator.applyRetention().purge.workUnits == 0)
            clock.advance(401)
            #expect(try await f.coordinator.applyRetention().purge == PurgeSummary(batches: [batch], workUnits: 2))
            #expect(try await f.admin.batchStatus(batch).collectedAt == nil)
        }
    }
}
