import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation

/// A protocol-level donor host: enrolls, asks for work, "computes" a deterministic output from the
/// work unit, and reports it — or, if it lies, a wrong output (see ``Conduct``).
public final class SimulatedHost: Sendable {
    /// What a host reports for a task.
    public enum Conduct: Sendable, Equatable {
        /// The right output.
        case honest
        /// A different wrong output for every task.
        case forgesEachTask
        /// The same wrong output every time for a given work unit. Hosts of the same `ring` forge the same
        /// output (they collude).
        case forgesConsistently(ring: String)
    }

    public let id: HostID
    public let donorID: DonorID
    public let client: CoordinatorClient
    public let conduct: Conduct

    /// Enrolls a new host with `token` at `coordinators`. It declares 16 cores, so the coordinator lets it
    /// hold the 16 tasks a benchmark asks for at once.
    public convenience init(coordinators: [String], token: String, name: String, conduct: Conduct = .honest) async throws {
        let anonymous = CoordinatorClient(coordinators: coordinators)
        let enrolled = try await anonymous.enroll(EnrollRequest(token: token, name: name, cores: 16, platforms: ["wasm"]))
        self.init(id: enrolled.hostID, donorID: enrolled.donorID, secret: enrolled.hostSecret,
            coordinators: enrolled.coordinators, conduct: conduct)
    }

    /// A host already enrolled, talking to `coordinators`.
    public init(id: HostID, donorID: DonorID, secret: String, coordinators: [String], conduct: Conduct) {
        self.id = id
        self.donorID = donorID
        self.client = CoordinatorClient(coordinators: coordinators, credential: secret)
        self.conduct = conduct
    }

    /// The same host, talking to other coordinators (e.g. a restarted one on a new port).
    public func moved(to coordinators: [String]) -> SimulatedHost {
        SimulatedHost(id: id, donorID: donorID, secret: client.credential ?? "", coordinators: coordinators, conduct: conduct)
    }

    /// The output an honest host computes for a task.
    public static func honestOutput(_ task: TaskAssignment) -> Data {
        Data("result of \(task.workUnitName): \(task.inputs.map(\.sha256).joined(separator: ","))\n".utf8)
    }

    /// The output this host reports for a task.
    private func output(for task: TaskAssignment) -> Data {
        switch conduct {
        case .honest: Self.honestOutput(task)
        case .forgesEachTask: Data("forged \(task.taskID)\n".utf8)
        case .forgesConsistently(let ring): Data("forged by \(ring) for \(task.workUnitName)\n".utf8)
        }
    }

    /// The report this host makes for a task.
    public func report(for task: TaskAssignment) -> TaskReport {
        let data = output(for: task)
        let output = ReportedOutput(name: "out", sha256: CoordinatorClient.sha256(data), size: Int64(data.count),
            data: data.base64EncodedString())
        return TaskReport(taskID: task.taskID, status: .success, outputs: [output], cpuSeconds: 0.01)
    }

    /// Fetches up to `maxTasks` tasks and reports them all; returns how many were reported.
    @discardableResult
    public func cycle(maxTasks: Int) async throws -> Int {
        let work = try await client.requestWork(host: id, maxTasks: maxTasks, held: [])
        guard !work.tasks.isEmpty else { return 0 }
        _ = try await client.report(host: id, work.tasks.map(report(for:)))
        return work.tasks.count
    }
}
