import BorgCore
import BorgStore
import Foundation
import Testing

/// The store's typed queries: accounts, batches, lifecycle saves, credit.
@Suite struct StoreQueriesTests {
    func withStore(_ body: (Store) async throws -> Void) async throws {
        let dir = try TemporaryStoreDirectory()
        defer { dir.remove() }
        let store = try await Store(directory: dir.url)
        defer { store.close() }
        try await body(store)
    }

    @Test func donorNamesAreUniqueAndTokensAreStoredHashed() async throws {
        try await withStore { store in
            let (_, token) = try await store.write { q in try q.createDonor(name: "ada", now: 1) }
            await #expect(throws: StoreError(.conflict, "a donor named 'ada' already exists")) {
                try await store.write { q in try q.createDonor(name: "ada", now: 2) }
            }
            let stored = try await store.read { q in try q.db.queryOne("SELECT token_hash FROM donor")?.string(0) }
            #expect(stored != token && stored == Secret.hash(token))
        }
    }

    @Test func batchCreatesReplicatedUnsentTasksAndLifecycleSavesRoundTrip() async throws {
        try await withStore { store in
            let policy = ProjectPolicy(replication: 3, quorum: 2)
            let (batchID, tasks) = try await store.write { q in
                let id = try q.saveProject(name: "p", description: "", policy: policy, publicKey: "", appVersions: [], now: 1)
                let project = try q.project(id: id)!
                return try q.createBatch(project: project, policy: policy,
                    workUnits: [("a", [FileDigest(name: "in", sha256: String(repeating: "a", count: 64), size: 3)]), ("b", [])], now: 1)
            }
            #expect(tasks.count == 6)
            let unsent = try await store.read { q in try q.unsentTasks() }
            #expect(unsent == tasks)

            let (donor, _) = try await store.write { q in try q.createDonor(name: "d", now: 1) }
            let hostID = try await store.write { q in try q.enrollHost(donor: donor, name: "h", cores: 1, platforms: ["wasm"], now: 1).0 }
            let wuID = tasks[0].workUnitID
            try await store.write { q in
                var record = try q.workUnit(wuID)!
                let old = record.state
                try WorkUnitLifecycle(policy: policy).dispatch(tasks[0].taskID, to: hostID, donor: donor.id, in: &record.state, now: 10)
                try q.save(record, from: old, outcome: LifecycleOutcome(), now: 10)
            }
            let loaded = try await store.read { q in try q.workUnit(wuID)! }
            #expect(loaded.inputs.first?.name == "in")
            #expect(loaded.state.tasks[0].state == .inProgress && loaded.state.tasks[0].hostID == hostID)
            #expect(loaded.state.tasks[0].deadline == 10 + policy.deadlineSeconds)
            let batch = try await store.read { q in try q.batch(batchID)! }
            #expect(batch.workUnits == 2 && batch.policy == policy)
        }
    }

    /// One snapshot per donor and day, only when its credit changed; the grid's every day; old ones forgotten.
    @Test func dailyTotalsKeepOneSnapshotPerDonorAndDayAndTheGridsSum() async throws {
        try await withStore { store in
            let (ada, _) = try await store.write { q in try q.createDonor(name: "ada", now: 1) }
            let (bob, _) = try await store.write { q in try q.createDonor(name: "bob", now: 1) }
            try await store.write { q in
                try q.db.execute("UPDATE donor SET total_credit = 10 WHERE id = ?", [SQLValue(ada.id)])
                try q.recordDailyTotals(day: 100)
                try q.db.execute("UPDATE donor SET total_credit = 25 WHERE id = ?", [SQLValue(ada.id)])
                try q.db.execute("UPDATE donor SET total_credit = 5 WHERE id = ?", [SQLValue(bob.id)])
                try q.recordDailyTotals(day: 100)  // a later snapshot of the same day replaces the first
                try q.recordDailyTotals(day: 101)  // nobody's credit changed: only the grid's row
                try q.db.execute("UPDATE donor SET total_credit = 40 WHERE id = ?", [SQLValue(ada.id)])
                try q.recordDailyTotals(day: 102)
            }
            let (adaDays, grid, recent) = try await store.read { q in
                (try q.dailyTotals(donor: ada.id, since: 0), try q.dailyTotals(donor: nil, since: 0),
                 try q.dailyTotals(donor: bob.id, since: 101))
            }
            #expect(adaDays.map(\.day) == [100, 102] && adaDays.map(\.totalCredit) == [25, 40])
            #expect(grid.map(\.totalCredit) == [30, 30, 45], "the grid's row is the sum of its donors'")
            #expect(recent.isEmpty, "a donor whose credit did not change got a row")
            try await store.write { q in try q.recordDailyTotals(day: 102 + DailyTotal.daysKept) }
            let kept = try await store.read { q in try q.dailyTotals(donor: nil, since: 0).map(\.day) }
            #expect(kept == [102, 102 + DailyTotal.daysKept], "snapshots older than \(DailyTotal.daysKept) days were kept")
        }
    }

    @Test func creditUpdatesTotalsAndRecentAverage() async throws {
        try await withStore { store in
            let (donor, _) = try await store.write { q in try q.createDonor(name: "d", now: 1) }
            let host = try await store.write { q in try q.enrollHost(donor: donor, name: "h", cores: 1, platforms: ["wasm"], now: 1).0 }
            let outcome = {
                var outcome = LifecycleOutcome()
                outcome.validated = [CreditGrant(taskID: 1, hostID: host, donorID: donor.id, credit: 10)]
                return outcome
            }()
            try await store.write { q in
                var standing = try q.standing(hosts: [host], donors: [donor.id], project: 1)
                standing.apply(outcome, invalidHosts: [], quorum: 2, project: 1, now: 86_400)
                try q.save(standing.takeChanges())
            }
            try await store.write { q in
                var standing = try q.standing(hosts: [host], donors: [donor.id], project: 1)
                standing.apply(outcome, invalidHosts: [host], quorum: 2, project: 1, now: 2 * 86_400)
                try q.save(standing.takeChanges())
            }
            let donors = try await store.read { q in try q.donorTotals() }
            #expect(donors[0].totalCredit == 20)
            #expect(donors[0].rac.value > 0)
            let hosts = try await store.read { q in try q.hostTotals() }
            #expect(hosts[0].valid == 2 && hosts[0].invalid == 1 && hosts[0].consecutiveValid == 0)
        }
    }

    /// A second report of the same output within the refresh interval writes nothing (the writer's work per
    /// report); past it, or with no interval (uploads), the blob is marked as stored again.
    @Test func aBlobStoredAgainWithinItsRefreshIntervalIsNotMarkedAgain() async throws {
        try await withStore { store in
            let data = Data("output".utf8)
            let sha = BlobStore.digest(data)
            func lastStored() async throws -> Double? {
                try await store.read { q in try q.db.queryOne("SELECT touched_at FROM blob WHERE sha256 = ?", .text(sha))?.double(0) }
            }
            try await store.write { q in try q.putBlob(data, sha256: sha, now: 1_000, refreshInterval: 60) }
            let changed = try await store.write { q in
                try q.putBlob(data, sha256: sha, now: 1_030, refreshInterval: 60)
                return try q.db.queryOne("SELECT changes()")?.int(0)
            }
            #expect(changed == 0)
            #expect(try await lastStored() == 1_000)
            try await store.write { q in try q.putBlob(data, sha256: sha, now: 1_061, refreshInterval: 60) }
            #expect(try await lastStored() == 1_061)
            try await store.write { q in try q.putBlob(data, sha256: sha, now: 1_062) }
            #expect(try await lastStored() == 1_062, "without an interval (an upload) every store marks it")
        }
    }

    @Test func blobsAreVerifiedAgainstTheirDigest() throws {
        let dir = try TemporaryStoreDirectory()
        defer { dir.remove() }
        let blobs = try BlobStore(directory: dir.url)
        let sha = try blobs.put(Data("hello".utf8))
        #expect(blobs.read(sha) == Data("hello".utf8))
        #expect(throws: BlobError.self) { try blobs.put(Data("other".utf8), sha256: sha.replacingOccurrences(of: "a", with: "b")) }
        #expect(throws: BlobError.malformedDigest("../etc/passwd")) { try blobs.put(Data(), sha256: "../etc/passwd") }
        #expect(blobs.read("../../etc/passwd") == nil)
    }
}
