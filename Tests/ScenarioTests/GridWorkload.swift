import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import Foundation

/// A project with one batch on a grid, and hosts that fetch and report as fast as they can in the
/// background (ignoring errors: coordinators come and go), remembering every acknowledged report.
final class GridWorkload: @unchecked Sendable {
    let admin: CoordinatorClient
    let batch: BatchID
    let workUnits: Int
    private(set) var hosts: [SimulatedHost] = []
    let acknowledged = AcknowledgedReports()
    private var load: Task<Void, Never>?

    /// Creates project `project` (replication 2, quorum 2, 15 s deadline so tasks whose dispatch reply died
    /// with a coordinator go out again), a batch of `workUnits` and `hostCount` hosts of
    /// their own donors, all through `urls`.
    init(urls: [String], adminKey: String, project: String, workUnits: Int, hostCount: Int) async throws {
        admin = CoordinatorClient(coordinators: urls, credential: adminKey)
        let app = try await admin.upload(Data("synthetic app".utf8))
        _ = try await admin.createProject(CreateProjectRequest(
            name: project, appVersions: [AppVersionSpec(platform: "wasm", sha256: app, size: 13)],
            policy: ProjectPolicy(replication: 2, quorum: 2, maxErrorTasks: 3, maxTotalTasks: 8, deadlineSeconds: 15)))
        var inputs: [FileRef] = []
        for i in 0..<8 {
            let data = Data("input \(i)\n".utf8)
            inputs.append(FileRef(name: "input", sha256: try await admin.upload(data), size: Int64(data.count)))
        }
        let units = (0..<workUnits).map { WorkUnitSpec(name: "wu-\($0)", inputs: [inputs[$0 % inputs.count]]) }
        batch = try await admin.createBatch(CreateBatchRequest(project: project, workUnits: units)).batchID
        self.workUnits = workUnits
        for i in 0..<hostCount {
            let donor = try await admin.createDonor(name: "\(project)-donor-\(i)")
            let host = try await SimulatedHost(coordinators: urls, token: donor.enrollmentToken, name: "\(project)-host-\(i)")
            hosts.append(host.moved(to: urls))
        }
    }

    /// Starts the hosts.
    func start() {
        let hosts = self.hosts
        let acknowledged = self.acknowledged
        load = Task {
            await withTaskGroup(of: Void.self) { group in
                for host in hosts {
                    group.addTask {
                        while !Task.isCancelled {
                            // The host holds nothing between cycles: tasks whose report it gave up on come back.
                            guard let work = try? await host.client.requestWork(host: host.id, maxTasks: 8, held: []),
                                  !work.tasks.isEmpty
                            else {
                                try? await Task.sleep(for: .milliseconds(50))
                                continue
                            }
                            // Reports are idempotent: retry through the other coordinators until one takes them.
                            let reports = work.tasks.map(host.report(for:))
                            for _ in 0..<60 where !Task.isCancelled {
                                if let reply = try? await host.client.report(host: host.id, reports) {
                                    acknowledged.add(reply.accepted)
                                    break
                                }
                                try? await Task.sleep(for: .milliseconds(250))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Stops the hosts.
    func stop() async {
        load?.cancel()
        await load?.value
    }

    /// Work units completed so far, or `nil` when no coordinator answers right now.
    func completed() async -> Int? {
        await admin.completedWorkUnits(of: batch)
    }

    /// Waits until at least `count` work units are complete.
    func waitForCompleted(_ count: Int, timeout: Double) async throws {
        try await admin.waitForCompleted(count, of: batch, total: workUnits, timeout: timeout)
    }
}
