import BorgAPIClient
import BorgCluster
import BorgProtocol
import Foundation
import Logging

/// This coordinator's member of the dqlite cluster: the embedded node (behind a TLS gateway on the cluster
/// address, with credentials derived from the cluster secret), its identity kept in the data directory
/// (`cluster/node-id`, `cluster/peers`, `cluster/link-key.pem`), and membership calls (admit, remove, hand over).
final class ClusterNode: Sendable {
    let id: UInt64
    let address: String
    let node: DqliteNode
    let maxVoters: Int
    /// The members' HTTP APIs over the cluster link.
    let tunnels: ClusterHTTPTunnels
    /// How this process reaches the members' nodes (its own directly, the others over the cluster link).
    var dialer: any DqliteDialer { node.dialer }
    /// Membership and leader queries; short timeout so status checks stay quick.
    let client: DqliteClient
    private let peersFile: URL

    /// Starts the node; on first start with `join` set, asks that coordinator to admit it.
    static func start(_ configuration: ClusterConfiguration, dataDirectory: URL, logger: Logger) async throws -> ClusterNode {
        let directory = dataDirectory.appendingPathComponent("cluster")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let idFile = directory.appendingPathComponent("node-id")
        let peersFile = directory.appendingPathComponent("peers")
        let stored = (try? String(contentsOf: idFile, encoding: .utf8)).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let firstStart = stored == nil
        let id = stored ?? configuration.nodeID ?? (configuration.join == nil ? 1 : UInt64.random(in: 2...UInt64(Int64.max)))
        if firstStart && configuration.join == nil && id != 1 {
            throw ClusterFailure("a coordinator that starts a new grid must be node 1 (--node-id 1, or --join an existing one)")
        }
        let credentials = try ClusterCredentials(secret: configuration.secret)
        try ClusterKeyFile.write(credentials, in: directory)
        let node = try DqliteNode(id: id, address: configuration.address, dataDirectory: directory.appendingPathComponent("dqlite"),
                                  transport: .tls(credentials))
        try node.start()
        let tunnels = try ClusterHTTPTunnels(credentials: credentials)
        var peers = (try? String(contentsOf: peersFile, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        if firstStart, let join = configuration.join {
            do {
                peers = try await Self.join(through: join, as: id, configuration, tunnels: tunnels, logger: logger)
            } catch {
                tunnels.close()
                node.stop()
                throw error
            }
        }
        let member = ClusterNode(id: id, address: configuration.address, node: node, tunnels: tunnels,
                                 maxVoters: configuration.maxVoters, peers: peers, peersFile: peersFile)
        try member.remember(peers)
        try "\(id)\n".write(to: idFile, atomically: true, encoding: .utf8)
        return member
    }

    /// Asks the coordinator at cluster address `sponsor` to admit node `id`, over the cluster link (never its
    /// plain HTTP address); returns the members' addresses.
    private static func join(through sponsor: String, as id: UInt64, _ configuration: ClusterConfiguration,
                             tunnels: ClusterHTTPTunnels, logger: Logger) async throws -> [String] {
        let client = CoordinatorClient(coordinators: [try tunnels.url(for: sponsor)], credential: configuration.secret,
                                       timeout: .seconds(30))
        do {
            let reply = try await client.call(.POST, "/v1/cluster/join",
                ClusterJoinRequest(nodeID: id, address: configuration.address), as: ClusterJoinResponse.self)
            logger.info("joined the grid through \(sponsor) as node \(id) (\(reply.role))")
            return reply.members
        } catch let error as APIClientError where error.status == nil {
            let problem = await tunnels.linkProblem(to: sponsor) ?? "it did not answer over the cluster link; try again"
            throw ClusterFailure("cannot join the grid through --join \(sponsor): \(problem)")
        } catch {
            throw ClusterFailure("cannot join the grid through --join \(sponsor): \(error)")
        }
    }

    private init(id: UInt64, address: String, node: DqliteNode, tunnels: ClusterHTTPTunnels, maxVoters: Int, peers: [String],
                 peersFile: URL) {
        self.id = id
        self.address = address
        self.node = node
        self.tunnels = tunnels
        self.maxVoters = maxVoters
        self.peersFile = peersFile
        client = DqliteClient(seeds: Self.seeds(address, peers), database: ClusterNode.database, timeout: 3, dialer: node.dialer)
    }

    /// The name of the replicated database.
    static let database = "borg"

    /// The dqlite addresses a grid member's data directory remembers, or nil if it never joined a grid.
    static func knownAddresses(dataDirectory: URL) -> [String]? {
        let directory = dataDirectory.appendingPathComponent("cluster")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("node-id").path) else { return nil }
        let addresses = peers(in: directory.appendingPathComponent("peers"))
        return addresses.isEmpty ? nil : addresses
    }

    /// How a process without a node reaches the grid a member's data directory belongs to: over the cluster
    /// link, with the key the member stored.
    static func storedDialer(dataDirectory: URL) throws -> TLSDialer {
        try TLSDialer(credentials: ClusterKeyFile.read(in: dataDirectory.appendingPathComponent("cluster")))
    }

    /// The addresses in a peers file (one per line; none if it cannot be read).
    private static func peers(in file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Addresses to look for the leader at: this node first, then the peers it knew last.
    var seeds: [String] {
        Self.seeds(address, Self.peers(in: peersFile))
    }

    private static func seeds(_ own: String, _ peers: [String]) -> [String] {
        [own] + peers.filter { $0 != own }
    }

    /// Saves the members' addresses for the next start.
    func remember(_ peers: [String]) throws {
        try (peers.joined(separator: "\n") + "\n").write(to: peersFile, atomically: true, encoding: .utf8)
    }

    /// The current leader's node ID, if one is reachable.
    func leaderID() -> UInt64? { try? client.leader().id }

    /// Adds node `id` and promotes it to voter while there are fewer than `maxVoters`, else to standby.
    func admit(id: UInt64, address: String) throws -> DqliteRole {
        let members = try client.members()
        if let existing = members.first(where: { $0.id == id }) {
            guard existing.address == address else {
                throw ClusterFailure("node \(id) is already a member at \(existing.address)")
            }
            return existing.role
        }
        try client.add(id: id, address: address)
        let role: DqliteRole = members.filter { $0.role == .voter }.count < maxVoters ? .voter : .standby
        try client.assign(id: id, role: role)
        return role
    }

    /// Removes node `id` from the cluster.
    func remove(id: UInt64) throws {
        try client.remove(id: id)
    }

    /// Hands leadership (which this node has) to another voter, for a clean shutdown.
    func handOverLeadership() {
        guard let members = try? client.members(),
              let successor = members.first(where: { $0.role == .voter && $0.id != id })
        else { return }
        try? client.transfer(to: successor.id)
    }

    /// Stops the node.
    func stop() {
        client.close()
        tunnels.close()
        node.stop()
    }
}

/// A cluster operation that cannot be done, with the reason.
struct ClusterFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
