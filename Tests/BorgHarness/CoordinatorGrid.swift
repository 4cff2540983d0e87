import BorgAPIClient
import BorgCluster
import BorgProtocol
import Foundation

/// Replicated coordinators: real `borg-server serve --cluster-listen …` processes on loopback ports, one
/// data directory each. Coordinator 0 starts the grid; the others join through a running one. A stopped
/// coordinator restarts on its own data directory and dqlite port (its HTTP port changes).
public final class CoordinatorGrid: @unchecked Sendable {
    public let directory: URL
    public let secret = "grid-secret-\(UUID().uuidString.prefix(8))"
    /// How a client of the coordinators' dqlite nodes gets through the cluster link: with the grid's credentials.
    public let dqliteDialer: TLSDialer
    /// Running coordinators by index.
    public private(set) var servers: [Int: ServerProcess] = [:]
    private var clusterPorts: [Int: UInt16] = [:]
    private let arguments: [String]
    private let argumentsOfCoordinator: @Sendable (Int) -> [String]

    /// Starts `size` coordinators, each with `arguments` and `argumentsOfCoordinator(index)` added to `serve`.
    public init(directory: URL, size: Int, arguments: [String] = ["--tick", "0.2"],
                argumentsOfCoordinator: @escaping @Sendable (Int) -> [String] = { _ in [] }) throws {
        self.directory = directory
        self.arguments = arguments
        self.argumentsOfCoordinator = argumentsOfCoordinator
        dqliteDialer = try TLSDialer(credentials: ClusterCredentials(secret: secret))
        do {
            for index in 0..<size { try start(index) }
        } catch {
            stopAll()
            throw error
        }
    }

    /// Starts (or restarts) coordinator `index`; on its first start it joins through a running coordinator.
    @discardableResult
    public func start(_ index: Int) throws -> ServerProcess {
        let data = dataDirectory(index)
        let port = try clusterPorts[index] ?? FreePort.loopback()
        clusterPorts[index] = port
        var extra = ["--cluster-listen", "127.0.0.1:\(port)", "--cluster-secret", secret] + arguments + argumentsOfCoordinator(index)
        let firstStart = !FileManager.default.fileExists(atPath: data.appendingPathComponent("cluster/node-id").path)
        if firstStart, let sponsor = servers.keys.sorted().first, let sponsorPort = clusterPorts[sponsor] {
            extra += ["--join", "127.0.0.1:\(sponsorPort)"]
        }
        let server = try ServerProcess(dataDirectory: data, arguments: extra)
        servers[index] = server
        return server
    }

    /// Stops coordinator `index` with `signal` (SIGKILL: a crash) and waits for it to exit.
    @discardableResult
    public func stop(_ index: Int, signal: Int32 = SIGKILL) -> Int32? {
        servers.removeValue(forKey: index)?.stop(signal: signal)
    }

    /// Stops every running coordinator.
    public func stopAll() {
        for index in servers.keys.sorted() { stop(index, signal: SIGTERM) }
    }

    public func dataDirectory(_ index: Int) -> URL { directory.appendingPathComponent("coordinator\(index)") }

    /// The dqlite node ID coordinator `index` chose on its first start.
    public func nodeID(_ index: Int) throws -> UInt64 {
        let text = try String(contentsOf: dataDirectory(index).appendingPathComponent("cluster/node-id"), encoding: .utf8)
        guard let id = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("coordinator \(index) has a malformed node-id file")
        }
        return id
    }

    /// The cluster address (`--cluster-listen`) of coordinator `index`, once it was started.
    public func clusterAddress(_ index: Int) -> String? { clusterPorts[index].map { "127.0.0.1:\($0)" } }

    /// dqlite addresses (`--cluster-listen`) of every coordinator ever started.
    public var clusterAddresses: [String] { clusterPorts.keys.sorted().map { "127.0.0.1:\(clusterPorts[$0]!)" } }

    /// API URLs of the running coordinators.
    public var urls: [String] { servers.keys.sorted().map { servers[$0]!.url } }

    /// The admin key coordinator 0 wrote on first start (valid on every coordinator).
    public var adminKey: String {
        get throws {
            try String(contentsOf: dataDirectory(0).appendingPathComponent("admin.key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// `GET /v1/cluster` through any running coordinator.
    public func status() async throws -> ClusterStatus {
        try await CoordinatorClient(coordinators: urls, credential: secret, timeout: .seconds(10))
            .call(.GET, "/v1/cluster", as: ClusterStatus.self)
    }

    /// The index of the running coordinator whose node leads, waiting up to `timeout` seconds for one.
    public func leader(timeout: Double = 20) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let leader = try? await status().leader {
                for index in servers.keys where (try? nodeID(index)) == leader { return index }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("no running coordinator leads after \(timeout) s")
    }

    /// The node ID of the dqlite leader, as the leader itself confirms it (asked over dqlite's own protocol).
    public func leaderNodeID() throws -> UInt64 {
        try DqliteLeadership.leader(seeds: clusterAddresses, dialer: dqliteDialer)
    }

    /// Hands Raft leadership to coordinator `index`'s dqlite node, unless it leads already, and waits until it
    /// leads. Raft hands leadership only to a member whose log has caught up with the leader's.
    public func transferLeadership(to index: Int, timeout: Double = 30) async throws {
        try await DqliteLeadership.transfer(to: try nodeID(index), seeds: clusterAddresses, dialer: dqliteDialer, timeout: timeout)
    }
}
