/// A coordinator of a replicated grid as registered in the store.
public struct CoordinatorRecord: Sendable, Equatable {
    /// Its dqlite node ID.
    public let nodeID: Int64
    /// Its HTTP API base URL.
    public let url: String
    /// Its dqlite node address (`host:port`).
    public let clusterAddress: String
    /// When it last announced itself (seconds since 1970).
    public let seenAt: Double
}

extension StoreQueries {
    /// Records (or refreshes) that coordinator `nodeID` serves `url`.
    public func announceCoordinator(nodeID: Int64, url: String, clusterAddress: String, now: Double) throws {
        try db.run(
            """
            INSERT INTO coordinator (node_id, url, cluster_address, seen_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (node_id) DO UPDATE SET url = excluded.url, cluster_address = excluded.cluster_address,
                seen_at = excluded.seen_at
            """, SQLValue(nodeID), .text(url), .text(clusterAddress), .real(now))
    }

    /// Coordinators that announced themselves at or after `since`, by node ID.
    public func coordinators(seenSince since: Double) throws -> [CoordinatorRecord] {
        try db.query("SELECT node_id, url, cluster_address, seen_at FROM coordinator WHERE seen_at >= ? ORDER BY node_id",
                     .real(since)).map {
            CoordinatorRecord(nodeID: $0.int(0), url: $0.string(1), clusterAddress: $0.string(2), seenAt: $0.double(3))
        }
    }

    /// Forgets coordinator `nodeID` (it left the grid).
    public func removeCoordinator(nodeID: Int64) throws {
        try db.run("DELETE FROM coordinator WHERE node_id = ?", SQLValue(nodeID))
    }
}
