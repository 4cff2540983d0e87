import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import Foundation

/// A coordinator process (or several replicated ones) with a project, donors and hosts, ready for load.
struct GridSetup {
    /// The (first) coordinator.
    let server: ServerProcess
    /// All coordinators, when replicated.
    let grid: CoordinatorGrid?
    let admin: CoordinatorClient
    let hosts: [SimulatedHost]
    let directory: TemporaryDirectory

    /// Starts a server with `serverArguments` (or `coordinators` replicated ones), creates the project `bench`
    /// (quorum 2) and `hostCount` hosts, each of its own donor; hosts are spread over the coordinators.
    /// `executable` runs another build of `borg-server` (a single coordinator only).
    static func start(hostCount: Int, serverArguments: [String], coordinators: Int = 1,
                      executable: URL = BuildProducts.executable("borg-server")) async throws -> GridSetup {
        let directory = try TemporaryDirectory(prefix: "borg-bench")
        let grid = coordinators > 1
            ? try CoordinatorGrid(directory: directory.url, size: coordinators, arguments: serverArguments) : nil
        let server = try grid?.servers[0]
            ?? ServerProcess(dataDirectory: directory.url.appendingPathComponent("coordinator"), arguments: serverArguments,
                             executable: executable)
        let urls = grid?.urls ?? [server.url]
        let admin = CoordinatorClient(coordinators: urls, credential: try grid?.adminKey ?? server.adminKey)
        let app = try await admin.upload(Data("synthetic app".utf8))
        _ = try await admin.createProject(CreateProjectRequest(
            name: "bench", appVersions: [AppVersionSpec(platform: "wasm", sha256: app, size: 13)],
            policy: ProjectPolicy(replication: 2, quorum: 2, maxErrorTasks: 3, maxTotalTasks: 6, deadlineSeconds: 3600)))
        var hosts: [SimulatedHost] = []
        for i in 0..<hostCount {
            let donor = try await admin.createDonor(name: "donor-\(i)")
            let preferred = Array(urls[(i % urls.count)...] + urls[..<(i % urls.count)])
            let host = try await SimulatedHost(coordinators: preferred, token: donor.enrollmentToken, name: "host-\(i)")
            hosts.append(host.moved(to: preferred))
        }
        return GridSetup(server: server, grid: grid, admin: admin, hosts: hosts, directory: directory)
    }

    /// Submits `count` work units (sharing a few input blobs) in batches of at most `chunk` (at replication 2,
    /// the largest batch the API takes).
    func submit(workUnits count: Int, chunk: Int = APILimits.maxTasksPerBatch / 2) async throws -> [BatchID] {
        var inputs: [FileRef] = []
        for i in 0..<16 {
            let data = Data("input \(i)\n".utf8)
            inputs.append(FileRef(name: "input", sha256: try await admin.upload(data), size: Int64(data.count)))
        }
        var batches: [BatchID] = []
        var next = 0
        while next < count {
            let n = min(chunk, count - next)
            let units = (next..<(next + n)).map { WorkUnitSpec(name: "wu-\($0)", inputs: [inputs[$0 % inputs.count]]) }
            batches.append(try await admin.createBatch(CreateBatchRequest(project: "bench", workUnits: units)).batchID)
            next += n
        }
        return batches
    }

    /// Every host asks for up to `tasksPerRequest` tasks and reports them done, until three requests in a
    /// row get nothing; returns the tasks the coordinators accepted. Work-request latencies go to `latency`.
    func drive(tasksPerRequest: Int, latency: LatencyRecorder) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for host in hosts {
                group.addTask {
                    var accepted = 0
                    var idle = 0
                    while idle < 3 {
                        let start = ContinuousClock.now
                        let work = try await host.client.requestWork(host: host.id, maxTasks: tasksPerRequest, held: [])
                        latency.record(LifecycleBenchmark.seconds(ContinuousClock.now - start))
                        if work.tasks.isEmpty {
                            idle += 1
                            try await Task.sleep(for: .milliseconds(50))
                            continue
                        }
                        idle = 0
                        accepted += try await host.client.report(host: host.id, work.tasks.map(host.report(for:))).accepted.count
                    }
                    return accepted
                }
            }
            return try await group.reduce(0, +)
        }
    }

    /// The coordinators' data directories.
    var dataDirectories: [URL] { grid.map { g in g.servers.keys.sorted().map { g.dataDirectory($0) } } ?? [server.dataDirectory] }

    /// Resident memory of all coordinators, in bytes.
    var residentBytes: Int { grid?.servers.values.map(\.residentBytes).reduce(0, +) ?? server.residentBytes }

    func stop() {
        if let grid { grid.stopAll() } else { server.stop() }
        directory.remove()
    }
}
