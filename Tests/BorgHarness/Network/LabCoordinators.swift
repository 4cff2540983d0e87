import BorgAPIClient
import BorgCluster
import BorgProtocol
import Foundation

/// Replicated coordinators on the nodes of a ``NetworkLab``, one per node: real `borg-server serve` processes
/// listening on their node's address, with dqlite on port 9001 of it. The first starts the grid; the others
/// join through it. A stopped coordinator restarts on its own data directory (its HTTP port changes).
public final class LabCoordinators: @unchecked Sendable {
    public let lab: NetworkLab
    public let nodes: [String]
    public let directory: URL
    public let secret = "lab-secret-\(UUID().uuidString.prefix(8))"
    /// How the test process reaches the coordinators' dqlite nodes: with the grid's credentials.
    public let dqliteDialer: TLSDialer
    /// Running coordinators by node.
    public private(set) var servers: [String: ServerProcess] = [:]
    private let arguments: [String]
    /// The dqlite port on every node.
    public static let clusterPort = 9001

    /// Starts a coordinator on each of `nodes`, each with `arguments` added to `serve`.
    public init(lab: NetworkLab, nodes: [String], directory: URL, arguments: [String] = ["--tick", "0.2"]) throws {
        self.lab = lab
        self.nodes = nodes
        self.directory = directory
        self.arguments = arguments
        dqliteDialer = try TLSDialer(credentials: ClusterCredentials(secret: secret))
        for node in nodes { try start(node) }
    }

    /// Starts (or restarts) the coordinator on `node`; on its first start it joins through a running one.
    @discardableResult
    public func start(_ node: String) throws -> ServerProcess {
        let data = directory.appendingPathComponent(node)
        var extra = ["--cluster-listen", "\(lab.address(of: node)):\(Self.clusterPort)", "--cluster-secret", secret] + arguments
        let firstStart = !FileManager.default.fileExists(atPath: data.appendingPathComponent("cluster/node-id").path)
        if firstStart, let sponsor = nodes.first(where: { servers[$0] != nil }) {
            extra += ["--join", "\(lab.address(of: sponsor)):\(Self.clusterPort)"]
        }
        let server = try ServerProcess(dataDirectory: data, arguments: extra, lab: lab, node: node)
        servers[node] = server
        return server
    }

    /// Stops the coordinator on `node` with `signal` and waits for it to exit.
    @discardableResult
    public func stop(_ node: String, signal: Int32 = SIGKILL) -> Int32? {
        servers.removeValue(forKey: node)?.stop(signal: signal)
    }

    /// API URLs of the running coordinators.
    public var urls: [String] { nodes.compactMap { servers[$0]?.url } }

    /// dqlite addresses of every coordinator.
    public var clusterAddresses: [String] { nodes.map { "\(lab.address(of: $0)):\(Self.clusterPort)" } }

    /// The admin key the first coordinator wrote (valid on every coordinator).
    public var adminKey: String {
        get throws {
            try String(contentsOf: directory.appendingPathComponent(nodes[0]).appendingPathComponent("admin.key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The node whose coordinator leads, as `node`'s coordinator (or any, when nil) reports it, waiting up to
    /// `timeout` seconds for one.
    public func leader(asSeenBy node: String? = nil, timeout: Double = 20) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let asked = node.flatMap { servers[$0].map { [$0.url] } } ?? urls
        let client = CoordinatorClient(coordinators: asked, credential: secret, timeout: .seconds(3))
        while Date() < deadline {
            if let status = try? await client.call(.GET, "/v1/cluster", as: ClusterStatus.self), let leader = status.leader {
                for node in nodes where (try? nodeID(node)) == leader { return node }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("no coordinator leads after \(timeout) s")
    }

    /// The dqlite node ID the coordinator on `node` chose on its first start.
    public func nodeID(_ node: String) throws -> UInt64 {
        let file = directory.appendingPathComponent(node).appendingPathComponent("cluster/node-id")
        guard let id = UInt64(try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("the coordinator on \(node) has a malformed node-id file")
        }
        return id
    }

    /// Hands Raft leadership to the coordinator on `node` and waits until it leads (Raft hands it only to a
    /// member whose log is complete).
    public func transferLeadership(to node: String, timeout: Double = 60) async throws {
        try await DqliteLeadership.transfer(to: try nodeID(node), seeds: clusterAddresses, dialer: dqliteDialer, timeout: timeout)
    }

    /// Stops every coordinator.
    public func stopAll() {
        for node in nodes { stop(node, signal: SIGTERM) }
    }
}
