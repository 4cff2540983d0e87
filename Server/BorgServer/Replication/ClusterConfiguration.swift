import Foundation

/// Settings of a coordinator that replicates its store with other coordinators (dqlite).
public struct ClusterConfiguration: Sendable {
    /// This coordinator's dqlite node address, `host:port`, reachable by the other coordinators.
    public var address: String
    /// HTTP `host:port` of a running coordinator to join through on first start; `nil` bootstraps a new grid.
    public var join: String?
    /// Shared secret every coordinator of the grid knows; peers refuse cluster calls without it.
    public var secret: String
    /// The dqlite node ID on first start (later starts reuse the stored one). Default: 1 when bootstrapping,
    /// random when joining.
    public var nodeID: UInt64?
    /// Most voting members; further coordinators join as standbys.
    public var maxVoters: Int
    /// Seconds a write may wait for a leader before it fails with "no quorum".
    public var writeTimeout: Double
    /// Seconds a voter's coordinator may stay silent before the leader hands its vote to a live standby.
    public var voterGrace: Double

    public init(address: String, join: String? = nil, secret: String, nodeID: UInt64? = nil, maxVoters: Int = 3,
                writeTimeout: Double = 8, voterGrace: Double = 60) {
        self.address = address
        self.join = join
        self.secret = secret
        self.nodeID = nodeID
        self.maxVoters = maxVoters
        self.writeTimeout = writeTimeout
        self.voterGrace = voterGrace
    }
}
