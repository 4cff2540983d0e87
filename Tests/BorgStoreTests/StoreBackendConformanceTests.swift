import BorgStore
import Foundation
import Testing

/// The contract every store backend must meet. Each test runs once per backend kind; a new backend
/// (dqlite) is added to ``BackendKind`` and must pass unchanged.
@Suite struct StoreBackendConformanceTests {
    @Test(arguments: BackendKind.allCases)
    func everyValueTypeRoundTrips(_ kind: BackendKind) async throws {
        try await kind.withBackend { backend in
            try await backend.write { db in
                try db.executeScript("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
                try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                    .integer(-9_007_199_254_740_993), .real(-1.5e-300), .text("héllo\u{1F600}"), .blob([0, 255, 1]), .null)
                try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", .integer(0), .real(0), .text(""), .blob([]), .null)
            }
            let rows = try await backend.read { db in try db.query("SELECT i, r, s, b, n FROM t ORDER BY i") }
            #expect(rows.count == 2)
            #expect(rows[0].values == [.integer(-9_007_199_254_740_993), .real(-1.5e-300), .text("héllo\u{1F600}"), .blob([0, 255, 1]), .null])
            #expect(rows[1].int(0) == 0 && rows[1].string(2) == "")
        }
    }

    /// A body whose failure ends the whole transaction (here it rolls it back itself, as an I/O error from
    /// dqlite does): its caller gets that failure, not the writer's complaint that the body's savepoint is
    /// gone, and the store is still writable.
    @Test(arguments: BackendKind.allCases)
    func aFailureThatEndsTheTransactionIsReportedAsItself(_ kind: BackendKind) async throws {
        struct Broken: Error, Equatable {}
        try await kind.withBackend { backend in
            try await backend.write { try $0.executeScript("CREATE TABLE f (v INTEGER)") }
            await #expect(throws: Broken()) {
                try await backend.write { db in
                    try db.execute("INSERT INTO f VALUES (1)")
                    try db.executeScript("ROLLBACK")
                    throw Broken()
                }
            }
            try await backend.write { db in try db.execute("INSERT INTO f VALUES (2)") }
            #expect(try await backend.read { try $0.query("SELECT v FROM f") }.map { $0.int(0) } == [2])
        }
    }

    @Test(arguments: BackendKind.allCases)
    func concurrentWritesAreMergedIntoFewTransactions(_ kind: BackendKind) async throws {
        try await kind.withBackend { backend in
            try await backend.write { try $0.executeScript("CREATE TABLE c (v INTEGER)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<500 {
                    group.addTask {
                        _ = try await backend.write { db in try db.execute("INSERT INTO c VALUES (?)", .integer(Int64(i))) }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await backend.read { try $0.queryOne("SELECT count(*), sum(v) FROM c") }
            #expect(count?.int(0) == 500)
            #expect(count?.int(1) == Int64(499 * 500 / 2))
            let stats = try #require(kind.writeStatistics(of: backend), "the backend does not count its transactions")
            #expect(stats.bodies == 501)
            #expect(stats.transactions < stats.bodies, "500 concurrent writes took \(stats.transactions) transactions")
        }
    }

    @Test(arguments: BackendKind.allCases)
    func aFailingWriteIsRolledBackAloneAndReportsItsError(_ kind: BackendKind) async throws {
        struct Refused: Error {}
        try await kind.withBackend { backend in
            try await backend.write { try $0.executeScript("CREATE TABLE u (v INTEGER UNIQUE)") }
            let good1 = Task { try await backend.write { db in _ = try db.execute("INSERT INTO u VALUES (1)") } }
            let bad = Task {
                try await backend.write { db in
                    try db.execute("INSERT INTO u VALUES (2)")
                    throw Refused()
                }
            }
            let good2 = Task { try await backend.write { db in _ = try db.execute("INSERT INTO u VALUES (3)") } }
            try await good1.value
            await #expect(throws: Refused.self) { try await bad.value }
            try await good2.value
            let values = try await backend.read { try $0.query("SELECT v FROM u ORDER BY v").map { $0.int(0) } }
            #expect(values == [1, 3])
            await #expect(throws: SQLError.self) { try await backend.write { try $0.execute("INSERT INTO u VALUES (1)") } }
        }
    }

    /// Statements sent with `run` (which dqlite pipelines) are seen by the body's next query, and one that
    /// fails fails its own body only, even when nothing in the body waits after it.
    @Test(arguments: BackendKind.allCases)
    func statementsRunWithoutWaitingKeepTheirOrderAndTheirErrors(_ kind: BackendKind) async throws {
        try await kind.withBackend { backend in
            try await backend.write { try $0.executeScript("CREATE TABLE p (v INTEGER UNIQUE)") }
            let counted = try await backend.write { db in
                for v in 1...150 { try db.run("INSERT INTO p VALUES (?)", .integer(Int64(v))) }
                try db.run("UPDATE p SET v = v + 1000 WHERE v > 100")
                return try db.queryOne("SELECT count(*), max(v) FROM p").map { [$0.int(0), $0.int(1)] }
            }
            #expect(counted == [150, 1150])
            let good = Task { try await backend.write { db in try db.run("INSERT INTO p VALUES (?)", .integer(1)) ; return 0 } }
            let before = Task { try await backend.write { db in try db.run("INSERT INTO p VALUES (?)", .integer(-1)) } }
            try await before.value
            await #expect(throws: SQLError.self, "a duplicate sent without waiting still fails its body") { _ = try await good.value }
            let after = try await backend.write { db in
                try db.run("INSERT INTO p VALUES (?)", .integer(-2))
                return try db.queryOne("SELECT count(*) FROM p")?.int(0)
            }
            #expect(after == 152, "only the failing body was rolled back")
        }
    }

    /// A read that starts while a write holds the writer answers at once, from the last commit. The write
    /// holds until the read is done (or 10 s pass), so the test does not depend on how fast threads wake.
    @Test(arguments: BackendKind.allCases)
    func readsDoNotWaitForAWriteInProgress(_ kind: BackendKind) async throws {
        try await kind.withBackend { backend in
            try await backend.write { db in
                try db.executeScript("CREATE TABLE r (v INTEGER)")
                try db.execute("INSERT INTO r VALUES (1)")
            }
            let writeInProgress = DispatchSemaphore(value: 0)
            let readDone = DispatchSemaphore(value: 0)
            let slowWrite = Task {
                try await backend.write { db in
                    try db.execute("INSERT INTO r VALUES (2)")
                    writeInProgress.signal()
                    _ = readDone.wait(timeout: .now() + 10)
                }
            }
            await withCheckedContinuation { started in
                DispatchQueue.global().async { writeInProgress.wait(); started.resume() }
            }
            let start = Date()
            let seen = try await backend.read { try $0.queryOne("SELECT count(*) FROM r")?.int(0) }
            readDone.signal()
            #expect(Date().timeIntervalSince(start) < 5, "the read waited for the write")
            #expect(seen == 1, "the read saw an uncommitted row")
            try await slowWrite.value
            #expect(try await backend.read { try $0.queryOne("SELECT count(*) FROM r")?.int(0) } == 2)
        }
    }

    /// The data survives a new backend on the same storage (a new process on the same SQLite file, or on the
    /// same running dqlite node) and a restart of the dqlite node on its data directory; migrations run once.
    @Test(arguments: BackendKind.allCases)
    func migrationsRunOnceAndDataSurvivesReopening(_ kind: BackendKind) async throws {
        try await kind.withStorage { storage in
            let store = try await Store(directory: storage.directory.url, backend: try storage.open())
            let now = Date().timeIntervalSince1970
            let (donor, token) = try await store.write { q in try q.createDonor(name: "ada", now: now) }
            store.close()
            for restart in [false, true] {
                if restart { try storage.restart() }
                let reopened = try await Store(directory: storage.directory.url, backend: try storage.open())
                defer { reopened.close() }
                let found = try await reopened.read { q in try q.donor(token: token) }
                #expect(found == donor, restart ? "after a restart" : "on a new backend")
                let versions = try await reopened.read { q in try q.db.queryOne("SELECT count(*) FROM schema_version")?.int(0) }
                #expect(versions == Int64(Schema.migrations.count), restart ? "after a restart" : "on a new backend")
            }
        }
    }
}
