import BorgAPIClient
import BorgCore
import BorgEngine
import BorgProtocol
import BorgServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

/// A coordinator on a temporary data directory, served over real HTTP on 127.0.0.1 for one test.
struct CoordinatorFixture {
    let coordinator: Coordinator
    let url: String
    let admin: CoordinatorClient
    let adminKey: String

    /// Runs `body` against a live coordinator; `clock` lets a test move time.
    static func run(
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, retention: RetentionPolicy = RetentionPolicy(),
        idleTimeout: Duration = .seconds(75), _ body: @escaping @Sendable (CoordinatorFixture) async throws -> Void
    ) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("borg-server-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        var logger = Logger(label: "borg-server-test")
        logger.logLevel = .warning
        let coordinator = try await Coordinator(
            configuration: CoordinatorConfiguration(dataDirectory: dir, port: 0, tickInterval: .seconds(3600), retention: retention,
                                                    retentionInterval: .seconds(3600), idleTimeout: idleTimeout), logger: logger, clock: clock)
        let key = try String(contentsOf: coordinator.bootstrap.adminKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try await coordinator.application().test(.live) { client in
            let url = "http://127.0.0.1:\(client.port!)"
            try await body(CoordinatorFixture(coordinator: coordinator, url: url,
                admin: CoordinatorClient(coordinators: [url], credential: key), adminKey: key))
        }
        coordinator.store.close()
    }

    /// Creates project `name` with a wasm app version and the given policy.
    func makeProject(_ name: String = "demo", policy: ProjectPolicy = ProjectPolicy(replication: 2, quorum: 2)) async throws {
        let app = try await admin.upload(Data("app \(name)".utf8))
        _ = try await admin.createProject(CreateProjectRequest(
            name: name, appVersions: [AppVersionSpec(platform: "wasm", sha256: app, size: Int64("app \(name)".utf8.count))],
            policy: policy))
    }

    /// Submits `count` work units, each with its own input, to `project`.
    func submit(_ count: Int, project: String = "demo") async throws -> BatchID {
        var units: [WorkUnitSpec] = []
        for i in 0..<count {
            let data = Data("input \(i)".utf8)
            let sha = try await admin.upload(data)
            units.append(WorkUnitSpec(name: "wu\(i)", inputs: [FileRef(name: "in", sha256: sha, size: Int64(data.count))]))
        }
        return try await admin.createBatch(CreateBatchRequest(project: project, workUnits: units)).batchID
    }

    /// Enrolls a host of `cores` cores for a new donor.
    func host(_ name: String, lies: Bool = false, cores: Int = 2) async throws -> TestHost {
        let donor = try await admin.createDonor(name: "donor-\(name)")
        let anonymous = CoordinatorClient(coordinators: [url])
        let enrolled = try await anonymous.enroll(EnrollRequest(token: donor.enrollmentToken, name: name, cores: cores, platforms: ["wasm"]))
        return TestHost(id: enrolled.hostID, donorID: enrolled.donorID, lies: lies,
            client: CoordinatorClient(coordinators: [url], credential: enrolled.hostSecret))
    }

    /// Sends a raw request and returns status and decoded error reason (if any).
    func raw(_ method: HTTPRequest.Method, _ path: String, body: String?, credential: String? = nil) async throws -> (Int, String) {
        let client = CoordinatorClient(coordinators: [url], credential: credential)
        let (status, data) = try await client.raw(.init(rawValue: method.rawValue), path, body: body.map { Data($0.utf8) })
        let reason = (try? JSONDecoder().decode(APIErrorBody.self, from: data))?.error ?? ""
        return (status, reason)
    }
}

/// A protocol-level host driven step by step by a test.
struct TestHost {
    let id: HostID
    let donorID: DonorID
    let lies: Bool
    let client: CoordinatorClient

    func work(_ max: Int = 10) async throws -> [TaskAssignment] {
        try await client.requestWork(host: id, maxTasks: max).tasks
    }

    func output(for task: TaskAssignment) -> ReportedOutput {
        let data = Data((lies ? "lie \(task.taskID)" : "answer for \(task.workUnitName)").utf8)
        return ReportedOutput(name: "out", sha256: CoordinatorClient.sha256(data), size: Int64(data.count), data: data.base64EncodedString())
    }

    @discardableResult
    func complete(_ tasks: [TaskAssignment]) async throws -> ReportResponse {
        try await client.report(host: id, tasks.map { TaskReport(taskID: $0.taskID, status: .success, outputs: [output(for: $0)], cpuSeconds: 1) })
    }
}
