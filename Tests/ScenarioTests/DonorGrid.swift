import BorgAPIClient
import BorgCore
import BorgDonor
import BorgHarness
import BorgProtocol
import Foundation
import Testing

/// A grid for donor scenarios: a real `borg-server` (or several replicated ones), a project signing
/// key, and helpers that drive real `borg-submit` and `borg-client` processes on 127.0.0.1.
final class DonorGrid: @unchecked Sendable {
    let dir: TemporaryDirectory
    /// The single coordinator, or nil when ``coordinators`` runs a replicated grid.
    let single: ServerProcess?
    /// The replicated coordinators, when asked for.
    let coordinators: CoordinatorGrid?
    let adminKey: String
    let admin: CoordinatorClient
    private(set) var clients: [ClientProcess] = []

    /// The repository's `Projects/primes/app/primes.wasm`.
    static let primesApp = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Projects/primes/app/primes.wasm")

    /// Starts one coordinator, or `replicas` replicated ones, each with `serverArguments`.
    init(prefix: String, replicas: Int = 1, serverArguments: [String] = []) throws {
        dir = try TemporaryDirectory(prefix: prefix)
        if replicas > 1 {
            let grid = try CoordinatorGrid(directory: dir.url, size: replicas, arguments: ["--tick", "0.2"] + serverArguments)
            coordinators = grid
            single = nil
            adminKey = try grid.adminKey
        } else {
            let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"), arguments: ["--tick", "0.5"] + serverArguments)
            single = server
            coordinators = nil
            adminKey = try server.adminKey
        }
        admin = CoordinatorClient(coordinators: [], credential: adminKey)
        admin.learn(urls)
    }

    /// The single coordinator (donor scenarios that need no replication).
    var server: ServerProcess { single! }

    /// The API URLs of the running coordinators.
    var urls: [String] { coordinators?.urls ?? single.map { [$0.url] } ?? [] }

    /// Stops every client (SIGKILL, then their leftover task processes) and the server; removes the files.
    func shutDown() {
        for client in clients {
            client.stop(signal: SIGKILL)
            TaskProcesses.endLeftovers(in: DataDirectory(client.dataDirectory.path))
        }
        single?.stop()
        coordinators?.stopAll()
        dir.remove()
    }

    func submit(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(BuildProducts.executable("borg-submit"), arguments + ["--coordinator", urls.joined(separator: ",")],
            environment: ["BORG_API_KEY": adminKey])
    }

    func client(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(BuildProducts.executable("borg-client"), arguments)
    }

    /// Creates a signing key pair in `name/`; returns the private key file.
    func createKey(_ name: String) throws -> String {
        let out = dir.url.appendingPathComponent(name)
        let created = try CommandRunner.run(BuildProducts.executable("borg-submit"), ["keys", "create", "--out", out.path])
        guard created.status == 0 else { throw HarnessError("keys create failed: \(created.stderr)") }
        return out.appendingPathComponent("signing.key").path
    }

    /// Creates (or updates) project `name` with the app file `app` for `platform`, signed with
    /// `signingKey` unless `manifestSignature` gives the manifest's own signature and key.
    func createProject(
        _ name: String, app: Data, platform: String = "wasm", replication: Int = 1, quorum: Int = 1,
        signingKey: String?, manifestSignature: (signature: String, publicKey: String)? = nil
    ) throws {
        let projectDir = dir.url.appendingPathComponent("project-\(name)-\(UUID().uuidString.prefix(4))")
        try FileManager.default.createDirectory(at: projectDir, withIntermediateDirectories: true)
        try app.write(to: projectDir.appendingPathComponent("app"))
        let signature = manifestSignature.map { #", "signature": "\#($0.signature)""# } ?? ""
        let key = manifestSignature.map { #", "publicKey": "\#($0.publicKey)""# } ?? ""
        let manifest = projectDir.appendingPathComponent("manifest.json")
        try Data("""
            {"name": "\(name)", "appVersions": [{"platform": "\(platform)", "file": "app"\(signature)}]\(key),
             "policy": {"replication": \(replication), "quorum": \(quorum), "maxErrorTasks": 1, "maxTotalTasks": 4,
                        "deadlineSeconds": 600, "validator": {"kind": "bitwise"}, "credit": {"kind": "fixed", "flopsPerWorkUnit": 1e12}}}
            """.utf8).write(to: manifest)
        let created = try submit(["project", "create", "--manifest", manifest.path] + (signingKey.map { ["--signing-key", $0] } ?? []))
        guard created.status == 0 else { throw HarnessError("project create failed: \(created.stderr)") }
    }

    /// Submits one work unit per range (`"lo hi"` or `"lo hi every"`, the primes input); returns the batch.
    func submitRanges(_ project: String, _ ranges: [String], deadline: Double? = nil) throws -> BatchID {
        let inputs = dir.url.appendingPathComponent("inputs-\(UUID().uuidString.prefix(6))")
        for (index, range) in ranges.enumerated() {
            let unit = inputs.appendingPathComponent(String(format: "primes-%05d", index))
            try FileManager.default.createDirectory(at: unit, withIntermediateDirectories: true)
            try Data("\(range)\n".utf8).write(to: unit.appendingPathComponent("range"))
        }
        let submitted = try submit(["batch", "submit", project, "--inputs", inputs.path, "--quiet"]
            + (deadline.map { ["--deadline", String($0)] } ?? []))
        guard submitted.status == 0, let batch = BatchID(submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw HarnessError("batch submit failed: \(submitted.stderr)") }
        return batch
    }

    /// Creates a donor account and enrolls a host for it with `borg-client enroll` (and any `flags`);
    /// returns its data directory.
    func enroll(_ name: String, cpu: String = "50%", flags: [String] = []) async throws -> URL {
        let donor = try await admin.createDonor(name: name)
        let data = dir.url.appendingPathComponent("donor-\(name)")
        let enrolled = try client(["enroll", urls[0], "--token", donor.enrollmentToken, "--cpu", cpu, "--name", name,
            "--data-dir", data.path] + flags)
        guard enrolled.status == 0 else { throw HarnessError("enroll failed: \(enrolled.stderr)") }
        return data
    }

    /// Starts `borg-client run` on `data` with short heartbeats and back-off, and `arguments`.
    func start(_ data: URL, arguments: [String] = []) throws -> ClientProcess {
        let client = try ClientProcess(dataDirectory: data, arguments: ["--heartbeat", "2", "--max-backoff", "2"] + arguments)
        clients.append(client)
        return client
    }

    /// Waits until `batch` is no longer active.
    func waitForBatch(_ batch: BatchID, timeout: Double) async throws -> BatchStatus {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            admin.learn(urls)
            if let status = try? await admin.batchStatus(batch), status.state != .active { return status }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw HarnessError("batch \(batch) did not finish within \(timeout) s: \(try await admin.batchStatus(batch))")
    }

    /// Waits until at least `count` work units of `batch` completed (coordinators may come and go).
    func waitForCompleted(_ batch: BatchID, _ count: Int, timeout: Double) async throws {
        try await waitUntil("\(count) work units of batch \(batch) completed", timeout: timeout) {
            admin.learn(urls)
            return ((try? await admin.batchStatus(batch))?.completed ?? 0) >= count
        }
    }

    /// Waits until `condition` holds, checking every 100 ms.
    func waitUntil(_ what: String, timeout: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("timed out after \(timeout) s waiting until \(what)")
    }

    /// The tasks a client's data directory holds, from its state file.
    func tasks(of data: URL) -> [LocalTask] {
        ((try? DonorState.load(from: DataDirectory(data.path)))?.tasks.values).map(Array.init) ?? []
    }

    /// The canonical `count` of every completed work unit of `batch`, added up.
    func total(of batch: BatchID) async throws -> Int {
        var total = 0
        for unit in try await admin.batchResults(batch).workUnits {
            let file = try #require(unit.outputs.first { $0.name == "count" })
            let text = String(decoding: try await admin.download(file.sha256), as: UTF8.self)
            total += try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return total
    }

    /// A process seen in `/proc`, known by its pid and start time, so that a reused pid is never taken for it.
    struct SeenProcess: Hashable, CustomStringConvertible {
        let pid: Int32
        let start: UInt64
        let command: String

        var description: String { "\(pid) (\(command))" }

        /// Whether it still runs (a zombie does not). Throws when `/proc` cannot say: a read error is not "gone".
        var isAlive: Bool {
            get throws {
                guard let stat = try Self.stat(pid) else { return false }
                return stat.start == start && stat.state != "Z" && stat.state != "X"
            }
        }

        /// The live process `pid`, or nil.
        static func of(_ pid: Int32) throws -> SeenProcess? {
            guard let stat = try stat(pid), stat.state != "Z" else { return nil }
            return SeenProcess(pid: pid, start: stat.start, command: stat.command)
        }

        /// Every live process of `data`'s tasks: each `borg-sandbox` working there and everything below it.
        static func tasks(of data: URL) throws -> Set<SeenProcess> {
            let names = try FileManager.default.contentsOfDirectory(atPath: "/proc")
            var children: [Int32: [SeenProcess]] = [:]
            for pid in names.compactMap(Int32.init) {
                guard let stat = try stat(pid), stat.state != "Z" else { continue }
                children[stat.parent, default: []].append(SeenProcess(pid: pid, start: stat.start, command: stat.command))
            }
            let all = children.values.flatMap { $0 }
            let sandboxes = Set(TaskProcesses.sandboxes(in: DataDirectory(data.path)).map(\.pid))
            var found = Set(all.filter { sandboxes.contains($0.pid) })
            var frontier = Array(found)
            while let process = frontier.popLast() {
                for child in children[process.pid] ?? [] where found.insert(child).inserted { frontier.append(child) }
            }
            return found
        }

        /// State, parent and start time from `/proc/<pid>/stat`; nil when the process is gone.
        private static func stat(_ pid: Int32) throws -> (state: Substring, parent: Int32, start: UInt64, command: String)? {
            guard let text = try ProcFile.read(pid: pid, "stat") else { return nil }
            guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else {
                throw HarnessError("cannot parse /proc/\(pid)/stat: \(text)")
            }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 19, let parent = Int32(fields[1]), let start = UInt64(fields[19]) else {
                throw HarnessError("cannot parse /proc/\(pid)/stat: \(text)")
            }
            return (fields[0], parent, start, String(text[text.index(after: open)..<close]))
        }
    }

    /// The number of primes below `n`, by a plain sieve.
    static func primeCount(below n: Int) -> Int {
        guard n > 2 else { return 0 }
        var composite = [Bool](repeating: false, count: n)
        var count = 0
        for i in 2..<n where !composite[i] {
            count += 1
            var j = i * i
            while j < n { composite[j] = true; j += i }
        }
        return count
    }
}
