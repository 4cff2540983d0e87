/// `POST /v1/cluster/join`: a new coordinator asks a member to add its dqlite node.
/// Authorized by the cluster secret (`Authorization: Bearer <secret>`).
public struct ClusterJoinRequest: Codable, Sendable {
    public var nodeID: UInt64
    /// The new node's dqlite address, `host:port`.
    public var address: String
    public init(nodeID: UInt64, address: String) {
        self.nodeID = nodeID
        self.address = address
    }
}

public struct ClusterJoinResponse: Codable, Sendable {
    /// The role the new node got: `voter` or `standby`.
    public var role: String
    /// Every member's dqlite address (seeds for the new node's client).
    public var members: [String]
    public init(role: String, members: [String]) {
        self.role = role
        self.members = members
    }
}

/// One member of the coordinator cluster in `GET /v1/cluster`.
public struct ClusterMemberInfo: Codable, Sendable, Equatable {
    public var nodeID: UInt64
    public var address: String
    /// `voter`, `standby` or `spare`.
    public var role: String
    /// The coordinator's HTTP URL, if it announced itself recently.
    public var url: String?
    public var isLeader: Bool
    /// Seconds since the coordinator last announced itself (every tick while it runs and reaches the
    /// leader); nil if it never did or was forgotten. A growing figure means it is down or cut off.
    public var secondsSinceSeen: Double?
    public init(nodeID: UInt64, address: String, role: String, url: String?, isLeader: Bool, secondsSinceSeen: Double?) {
        self.nodeID = nodeID
        self.address = address
        self.role = role
        self.url = url
        self.isLeader = isLeader
        self.secondsSinceSeen = secondsSinceSeen
    }
}

/// `GET /v1/cluster`.
public struct ClusterStatus: Codable, Sendable {
    public var leader: UInt64?
    public var members: [ClusterMemberInfo]
    public init(leader: UInt64?, members: [ClusterMemberInfo]) {
        self.leader = leader
        self.members = members
    }
}

/// `POST /v1/cluster/remove`.
public struct ClusterRemoveRequest: Codable, Sendable {
    public var nodeID: UInt64
    public init(nodeID: UInt64) { self.nodeID = nodeID }
}

/// `POST /v1/cluster/announce`: a coordinator tells the grid (through the leading coordinator) that it is
/// alive and where its API is. Sent every tick; a coordinator silent for a few ticks is left out of replies.
public struct ClusterAnnounceRequest: Codable, Sendable {
    public var nodeID: UInt64
    /// The coordinator's API base URL.
    public var url: String
    /// Its dqlite node address, `host:port`.
    public var clusterAddress: String
    public init(nodeID: UInt64, url: String, clusterAddress: String) {
        self.nodeID = nodeID
        self.url = url
        self.clusterAddress = clusterAddress
    }
}
