import BorgCluster
import Foundation

/// Raft leadership among a grid's dqlite nodes, asked and moved over dqlite's own protocol.
public enum DqliteLeadership {
    /// The name of the coordinators' replicated database.
    static let database = "borg"

    /// The node ID of the leader, as the leader itself confirms it.
    public static func leader(seeds: [String], dialer: TLSDialer) throws -> UInt64 {
        let client = DqliteClient(seeds: seeds, database: database, timeout: 10, dialer: dialer)
        defer { client.close() }
        return try client.leader().id
    }

    /// Hands leadership to node `target`, unless it leads already, and waits until it leads. Raft hands
    /// leadership only to a member whose log has caught up with the leader's.
    public static func transfer(to target: UInt64, seeds: [String], dialer: TLSDialer, timeout: Double) async throws {
        let client = DqliteClient(seeds: seeds, database: database, timeout: 10, dialer: dialer)
        defer { client.close() }
        let deadline = Date().addingTimeInterval(timeout)
        var lastError: (any Error)?
        while try client.leader().id != target {
            guard Date() < deadline else {
                throw HarnessError("node \(target) does not lead after \(timeout) s; last transfer: \(lastError.map { "\($0)" } ?? "none")")
            }
            do { try client.transfer(to: target) } catch { lastError = error }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
