import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Testing

/// The report path below HTTP: a request is checked as a whole, applied all together or not at all, and
/// the engine refuses in its own terms (``EngineError``), never with an HTTP status.
@Suite struct ReportPathTests {
    @Test func aQuorumValidatesAndCreditsBothHostsAndTheirTrust() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project()
            let batch = try await f.batch(2, of: project)
            let a = try await f.host("a"), b = try await f.host("b")
            let tasksA = try await f.engine.dispatch(host: a, maxTasks: 10, platforms: ["wasm"]).tasks
            let tasksB = try await f.engine.dispatch(host: b, maxTasks: 10, platforms: ["wasm"]).tasks
            #expect(tasksA.count == 2 && tasksB.count == 2)
            try await f.report(tasksA.map { EngineFixture.report($0, "42") }, from: a)
            f.advance(60)
            let receipt = try await f.report(tasksB.map { EngineFixture.report($0, "42") }, from: b)
            #expect(Set(receipt.accepted) == Set(tasksB.map(\.taskID)))
            let status = try await f.store.read { q in try f.engine.status(of: try #require(try q.batch(batch)), q) }
            #expect(status.completed == 2 && status.state == .completed)
            let credit = ProjectPolicy().credit.credit(measuredWork: 0)
            let hosts = try await f.store.read { q in try q.hostTotals() }
            #expect(hosts.count == 2)
            for host in hosts {
                #expect(host.valid == 2 && host.consecutiveValid == 2 && abs(host.totalCredit - 2 * credit) < 1e-9)
                #expect(host.rac.value > 0)
            }
            let turnaround = try await f.store.read { q in try q.host(b.id)?.turnaround }
            #expect(turnaround == 60, "b reported a minute after it was sent its tasks")
        }
    }

    @Test func oneBadReportRefusesTheWholeRequest() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project()
            try await f.batch(2, of: project)
            let a = try await f.host("a"), b = try await f.host("b")
            let tasksA = try await f.engine.dispatch(host: a, maxTasks: 10, platforms: ["wasm"]).tasks
            let tasksB = try await f.engine.dispatch(host: b, maxTasks: 10, platforms: ["wasm"]).tasks
            var reports = [EngineFixture.report(tasksA[0], "1")]
            reports.append(TaskReport(taskID: 9_999, status: .success))
            await #expect(throws: EngineError.unknown("task 9999 does not exist")) { try await f.report(reports, from: a) }
            await #expect(throws: EngineError.notYours("task \(tasksB[0].taskID) was not given to host \(a.id)")) {
                try await f.report([EngineFixture.report(tasksA[0], "1"), EngineFixture.report(tasksB[0], "1")], from: a)
            }
            let reported = try await f.store.read { q in
                try q.db.query("SELECT count(*) FROM task WHERE reported_at IS NOT NULL")[0].int(0)
            }
            #expect(reported == 0, "nothing of a refused request was written")
        }
    }

    @Test func anIdenticalRetryIsAcceptedAndADifferentOneRefused() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project()
            try await f.batch(1, of: project)
            let a = try await f.host("a")
            let task = try #require(try await f.engine.dispatch(host: a, maxTasks: 1, platforms: ["wasm"]).tasks.first)
            try await f.report([EngineFixture.report(task, "7")], from: a)
            let retry = try await f.report([EngineFixture.report(task, "7")], from: a)
            #expect(retry.accepted == [task.taskID])
            await #expect(throws: EngineError.wrongState("task \(task.taskID) was already reported with a different result")) {
                try await f.report([EngineFixture.report(task, "8")], from: a)
            }
        }
    }

    @Test func theFormOfARequestIsCheckedBeforeAnythingElse() throws {
        let good = ReportedOutput(name: "out", sha256: BlobStore.digest(Data("x".utf8)), size: 1, data: Data("x".utf8).base64EncodedString())
        #expect(throws: EngineError.invalid("a report request carries 1 to 256 reports")) { try LifecycleEngine.checkForm(of: []) }
        #expect(throws: EngineError.invalid("a task is reported twice in one request")) {
            try LifecycleEngine.checkForm(of: [TaskReport(taskID: 1, status: .error), TaskReport(taskID: 1, status: .error)])
        }
        #expect(throws: EngineError.self) { try LifecycleEngine.checkForm(of: [TaskReport(taskID: 1, status: .success, cpuSeconds: -1)]) }
        #expect(throws: EngineError.self) { try LifecycleEngine.checkForm(of: [TaskReport(taskID: 1, status: .success, cpuSeconds: .nan)]) }
        var lying = good
        lying.sha256 = String(repeating: "0", count: 64)
        #expect(throws: EngineError.self) { try LifecycleEngine.checkForm(of: [TaskReport(taskID: 1, status: .success, outputs: [lying])]) }
        var short = good
        short.size = 2
        #expect(throws: EngineError.self) { try LifecycleEngine.checkForm(of: [TaskReport(taskID: 1, status: .success, outputs: [short])]) }
        #expect(throws: EngineError.self) {
            try LifecycleEngine.checkForm(of: [TaskReport(taskID: 1, status: .success, outputs: [good, good])])
        }
        let contents = try LifecycleEngine.checkForm(of: [TaskReport(taskID: 1, status: .success, outputs: [good])])
        #expect(contents == [good.sha256: Data("x".utf8)])
    }

    @Test func anOutputThatIsNeitherInlineNorUploadedIsRefused() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project()
            try await f.batch(1, of: project)
            let a = try await f.host("a")
            let task = try #require(try await f.engine.dispatch(host: a, maxTasks: 1, platforms: ["wasm"]).tasks.first)
            let missing = ReportedOutput(name: "out", sha256: String(repeating: "e", count: 64), size: 10)
            await #expect(throws: EngineError.self) {
                try await f.report([TaskReport(taskID: task.taskID, status: .success, outputs: [missing])], from: a)
            }
        }
    }
}
