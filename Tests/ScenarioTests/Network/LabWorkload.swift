import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import Foundation

/// A project and one batch on lab coordinators, made by the test process (the lab's observer), and
/// protocol-level hosts (`borg-lab-host` processes), each on its own lab node, that fetch, work for
/// `computeSeconds` and report, retrying through every coordinator. What the hosts were told is read from
/// their history files into a ``History`` when they stop; a submitter's view of the canonical outputs is
/// polled into it meanwhile.
final class LabWorkload: @unchecked Sendable {
    let admin: CoordinatorClient
    let batch: BatchID
    let workUnits: Int
    let history = History()
    private let lab: NetworkLab
    /// Where the hosts' logs and histories are written.
    let directory: URL
    private let urls: [String]
    private let computeSeconds: Double
    /// Enrolled hosts by lab node.
    private(set) var hosts: [String: SimulatedHost] = [:]
    private var processes: [Process] = []
    private var polling: Task<Void, Never>?
    private var stopped = false
    /// When ``start()`` started the hosts.
    private(set) var startedAt = Date()

    /// A project (replication 2, quorum 2, tasks due after `deadline` seconds), a batch of `workUnits`, and a
    /// host of its own donor enrolled for each of `hostNodes`.
    init(lab: NetworkLab, coordinators: LabCoordinators, hostNodes: [String], workUnits: Int, deadline: Double,
         computeSeconds: Double, directory: URL) async throws {
        self.lab = lab
        self.directory = directory
        self.computeSeconds = computeSeconds
        urls = coordinators.urls
        admin = CoordinatorClient(coordinators: urls, credential: try coordinators.adminKey, timeout: .seconds(10))
        let app = try await admin.upload(Data("synthetic app".utf8))
        _ = try await admin.createProject(CreateProjectRequest(
            name: "lab", appVersions: [AppVersionSpec(platform: "wasm", sha256: app, size: 13)],
            policy: ProjectPolicy(replication: 2, quorum: 2, maxErrorTasks: 3, maxTotalTasks: 8, deadlineSeconds: deadline)))
        let input = Data("input\n".utf8)
        let file = FileRef(name: "input", sha256: try await admin.upload(input), size: Int64(input.count))
        let units = (0..<workUnits).map { WorkUnitSpec(name: "wu-\($0)", inputs: [file]) }
        batch = try await admin.createBatch(CreateBatchRequest(project: "lab", workUnits: units)).batchID
        history.batchCreated(batch, workUnits: workUnits)
        self.workUnits = workUnits
        for node in hostNodes {
            let donor = try await admin.createDonor(name: "donor-\(node)")
            hosts[node] = try await SimulatedHost(coordinators: urls, token: donor.enrollmentToken, name: node)
        }
    }

    /// Starts a `borg-lab-host` on each host's node, and the submitter's polling.
    func start() throws {
        startedAt = Date()
        for (node, host) in hosts.sorted(by: { $0.key < $1.key }) {
            processes.append(try lab.start(node, BuildProducts.executable("borg-lab-host"), [
                urls.joined(separator: ","), "\(host.id.rawValue)", "\(host.donorID.rawValue)", host.client.credential ?? "",
                "\(computeSeconds)", historyFile(node).path,
            ], log: directory.appendingPathComponent("\(node).log")))
        }
        let (history, admin, batch) = (self.history, self.admin, self.batch)
        polling = Task {
            while !Task.isCancelled {
                if let results = try? await admin.batchResults(batch) {
                    for unit in results.workUnits where unit.status == .completed {
                        history.canonicalSeen(unit.workUnitID, outputs: unit.outputs.map(\.sha256))
                    }
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Stops the hosts (SIGKILL) and reads what they were told into ``history``; once.
    func stop() async {
        guard !stopped else { return }
        stopped = true
        polling?.cancel()
        await polling?.value
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes.removeAll()
        for node in hosts.keys {
            let text = (try? String(contentsOf: historyFile(node), encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let event = try? JSONDecoder().decode(HostEvent.self, from: Data(line.utf8)) else { continue }
                if let accepted = event.accepted { history.reportsAccepted(accepted.map { TaskID($0) }) }
                if let refused = event.refused { history.reportRefused(status: refused) }
            }
        }
    }

    private func historyFile(_ node: String) -> URL { directory.appendingPathComponent("\(node).history") }

    /// A line of a `borg-lab-host` history file.
    private struct HostEvent: Decodable {
        var accepted: [Int64]?
        var refused: Int?
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
