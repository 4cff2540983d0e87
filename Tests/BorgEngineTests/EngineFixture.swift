import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Synchronization

/// A lifecycle engine over a real SQLite store in a temporary directory, with a clock the test moves.
final class EngineFixture: Sendable {
    let directory: URL
    let store: Store
    let engine: LifecycleEngine
    private let clock = ManualClock()

    private init(directory: URL, store: Store, stragglers: StragglerPolicy) {
        self.directory = directory
        self.store = store
        let clock = self.clock
        engine = LifecycleEngine(store: store, metrics: CoordinatorMetrics(), stragglers: stragglers, clock: { clock.now })
    }

    /// Runs `body` against a fresh engine, then closes and deletes the store.
    static func run(stragglers: StragglerPolicy = StragglerPolicy(), _ body: (EngineFixture) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("borg-engine-\(UUID().uuidString.prefix(8))")
        let fixture = EngineFixture(directory: directory, store: try await Store(directory: directory), stragglers: stragglers)
        defer {
            fixture.store.close()
            try? FileManager.default.removeItem(at: directory)
        }
        try await body(fixture)
    }

    var now: Double { clock.now }
    func advance(_ seconds: Double) { clock.advance(seconds) }

    /// Creates project `name` (a wasm app) with `policy`; returns it as stored.
    @discardableResult
    func project(_ name: String = "demo", policy: ProjectPolicy = ProjectPolicy(replication: 2, quorum: 2)) async throws
        -> ProjectRecord
    {
        let app = Data("app \(name)".utf8)
        let sha = BlobStore.digest(app)
        try await store.putBlob(app, sha256: sha, now: 0)
        let now = self.now
        let id = try await store.write { q in
            try q.saveProject(name: name, description: "", policy: policy, publicKey: "",
                              appVersions: [AppVersionRecord(platform: "wasm", sha256: sha, size: Int64(app.count), signature: "")], now: now)
        }
        try await engine.reload()
        guard let project = try await store.read({ q in try q.project(id: id) }) else { throw EngineError.unknown("project") }
        return project
    }

    /// Submits `count` work units, each with its own uploaded input.
    @discardableResult
    func batch(_ count: Int, of project: ProjectRecord, policy: PolicyOverride? = nil) async throws -> BatchID {
        var units: [WorkUnitSpec] = []
        for i in 0..<count {
            let data = Data("input \(i)".utf8)
            let sha = BlobStore.digest(data)
            try await store.putBlob(data, sha256: sha, now: 0)
            units.append(WorkUnitSpec(name: "wu\(i)", inputs: [FileRef(name: "in", sha256: sha, size: Int64(data.count))]))
        }
        return try await engine.createBatch(CreateBatchRequest(project: project.name, workUnits: units, policy: policy),
                                            project: project).batchID
    }

    /// Enrolls a host for a new donor.
    func host(_ name: String) async throws -> HostRecord {
        let now = self.now
        return try await store.write { q in
            let (donor, _) = try q.createDonor(name: "donor-\(name)", now: now)
            let (id, _) = try q.enrollHost(donor: donor, name: name, cores: 2, platforms: ["wasm"], now: now)
            guard let host = try q.host(id) else { throw EngineError.unknown("host \(id)") }
            return host
        }
    }

    /// A successful report with one inline output `text`.
    static func report(_ task: TaskAssignment, _ text: String) -> TaskReport {
        let data = Data(text.utf8)
        return TaskReport(taskID: task.taskID, status: .success, outputs: [
            ReportedOutput(name: "out", sha256: BlobStore.digest(data), size: Int64(data.count), data: data.base64EncodedString()),
        ], cpuSeconds: 1)
    }

    /// Checks and applies `reports` from `host` as the report route does.
    @discardableResult
    func report(_ reports: [TaskReport], from host: HostRecord) async throws -> LifecycleEngine.ReportReceipt {
        let inline = try LifecycleEngine.checkForm(of: reports)
        return try await engine.report(host: host, reports: reports, inline: inline)
    }
}

/// Seconds since 1970 that move only when a test says so.
final class ManualClock: Sendable {
    private let time = Mutex(1_000_000.0)
    var now: Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}
