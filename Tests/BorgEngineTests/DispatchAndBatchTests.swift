import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Testing

@Suite struct DispatchAndBatchTests {
    @Test func aDonorNeverGetsTwoTasksOfOneWorkUnit() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project(policy: ProjectPolicy(replication: 3, quorum: 2, maxTotalTasks: 6))
            try await f.batch(4, of: project)
            let a = try await f.host("a")
            let tasks = try await f.engine.dispatch(host: a, maxTasks: 100, platforms: ["wasm"]).tasks
            #expect(tasks.count == 4 && Set(tasks.map(\.workUnitID)).count == 4)
            #expect(f.engine.queueDepth == 8, "the other replicas wait for other donors")
            #expect(try await f.engine.dispatch(host: a, maxTasks: 100, platforms: ["wasm"]).tasks.isEmpty)
        }
    }

    @Test func aHostAsksForABoundedNumberOfTasks() async throws {
        try await EngineFixture.run { f in
            let a = try await f.host("a")
            await #expect(throws: EngineError.invalid("maxTasks must be between 0 and 256")) {
                _ = try await f.engine.dispatch(host: a, maxTasks: 257, platforms: ["wasm"])
            }
        }
    }

    @Test func lostAssignmentsAreSentAgainFirst() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project()
            try await f.batch(3, of: project)
            let a = try await f.host("a")
            let first = try await f.engine.dispatch(host: a, maxTasks: 2, platforms: ["wasm"]).tasks
            let again = try await f.engine.dispatch(host: a, maxTasks: 2, platforms: ["wasm"], held: []).tasks
            #expect(again.map(\.taskID) == first.map(\.taskID), "the reply with the first two was lost")
        }
    }

    @Test func aBatchIsRefusedInTheEnginesTerms() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project(policy: ProjectPolicy(replication: 2, quorum: 2, maxInputBytes: 4))
            let unknown = FileRef(name: "in", sha256: String(repeating: "d", count: 64), size: 1)
            await #expect(throws: EngineError.self) {
                _ = try await f.engine.createBatch(CreateBatchRequest(project: project.name, workUnits: [
                    WorkUnitSpec(name: "a", inputs: [unknown]),
                ]), project: project)
            }
            await #expect(throws: EngineError.invalid("a batch needs at least one work unit")) {
                _ = try await f.engine.createBatch(CreateBatchRequest(project: project.name, workUnits: []), project: project)
            }
            await #expect(throws: EngineError.invalid("invalid policy override: replication (1) must be at least quorum (2)")) {
                try await f.batch(1, of: project, policy: PolicyOverride(replication: 1))
            }
            do {
                try await f.batch(1, of: project)
                Issue.record("an input over the project's maxInputBytes was accepted")
            } catch let error as EngineError {
                guard case .tooLarge = error else { throw error }
            }
        }
    }

    @Test func aMissedDeadlineReissuesTheTask() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project(policy: ProjectPolicy(replication: 1, quorum: 1, deadlineSeconds: 60))
            try await f.batch(1, of: project)
            let a = try await f.host("a"), b = try await f.host("b")
            let task = try #require(try await f.engine.dispatch(host: a, maxTasks: 1, platforms: ["wasm"]).tasks.first)
            f.advance(61)
            try await f.engine.expireDeadlines()
            let reissued = try #require(try await f.engine.dispatch(host: b, maxTasks: 1, platforms: ["wasm"]).tasks.first)
            #expect(reissued.workUnitID == task.workUnitID && reissued.taskID != task.taskID)
            await #expect(throws: EngineError.wrongState("task \(task.taskID) passed its deadline and was reissued; discard it")) {
                try await f.report([EngineFixture.report(task, "late")], from: a)
            }
        }
    }

    @Test func cancellingABatchTellsTheHostsRunningIt() async throws {
        try await EngineFixture.run { f in
            let project = try await f.project()
            let batch = try await f.batch(2, of: project)
            let a = try await f.host("a")
            let tasks = try await f.engine.dispatch(host: a, maxTasks: 10, platforms: ["wasm"]).tasks
            try await f.engine.cancelBatch(batch)
            #expect(Set(try await f.engine.heartbeat(host: a)) == Set(tasks.map(\.taskID)))
            #expect(try await f.engine.heartbeat(host: a).isEmpty, "each cancellation is told once")
        }
    }
}
