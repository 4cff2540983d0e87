/// The Raft role of a cluster member.
public enum DqliteRole: UInt64, Sendable, Hashable, CaseIterable {
    /// Votes and replicates the log; counts toward the quorum.
    case voter = 0
    /// Replicates the log without voting; a candidate for promotion.
    case standby = 1
    /// Neither votes nor replicates.
    case spare = 2
}

/// One entry of the cluster configuration as reported by CLUSTER.
public struct DqliteMember: Sendable, Hashable {
    /// The Raft node ID.
    public var id: UInt64
    /// The node's address, as given when it was created or added (`host:port`).
    public var address: String
    /// The node's Raft role.
    public var role: DqliteRole

    /// Creates a member description.
    public init(id: UInt64, address: String, role: DqliteRole) {
        self.id = id
        self.address = address
        self.role = role
    }
}
