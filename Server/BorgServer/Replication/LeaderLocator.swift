import BorgCluster
import Foundation

/// Which dqlite node leads the grid right now, asked of this coordinator's own node (a LEADER request on
/// loopback, answered from its Raft state) and remembered for a moment, so that routing a request to the
/// leading coordinator costs no network round trip. When the own node knows no leader (during an election,
/// or on a standby, which does not follow elections) the other members are asked once each; no call
/// retries, so a request never waits long to learn that the grid has no leader right now.
final class LeaderLocator: @unchecked Sendable {
    /// How long an answer is reused.
    static let freshness: TimeInterval = 0.25
    private static let requestTimeout: TimeInterval = 0.5

    private let node: ClusterNode
    private let lock = NSLock()
    private var connection: DqliteConnection?
    private var answer: (leader: UInt64?, at: Date)?

    init(node: ClusterNode) {
        self.node = node
    }

    /// The leader's node ID, or nil when none is reachable. Blocks for at most a few seconds.
    func leaderID() -> UInt64? {
        lock.lock()
        defer { lock.unlock() }
        if let answer, Date().timeIntervalSince(answer.at) < Self.freshness { return answer.leader }
        let leader = askOwnNode() ?? askPeers()
        answer = (leader, Date())
        return leader
    }

    /// The last answer if it is still fresh (`.some(nil)`: fresh, and no leader); `nil` if it must be asked.
    func freshAnswer() -> UInt64?? {
        lock.withLock {
            guard let answer, Date().timeIntervalSince(answer.at) < Self.freshness else { return nil }
            return .some(answer.leader)
        }
    }

    /// Forgets the last answer (the leader it named did not answer).
    func invalidate() {
        lock.withLock { answer = nil }
    }

    private func askOwnNode() -> UInt64? {
        do {
            let connection = try self.connection
                ?? DqliteConnection(address: node.address, timeout: Self.requestTimeout, dialer: node.dialer)
            self.connection = connection
            return try connection.leader()?.id
        } catch {
            connection?.close()
            connection = nil
            return nil
        }
    }

    private func askPeers() -> UInt64? {
        for address in node.seeds where address != node.address {
            guard let peer = try? DqliteConnection(address: address, timeout: Self.requestTimeout, dialer: node.dialer)
            else { continue }
            defer { peer.close() }
            if let leader = try? peer.leader() { return leader.id }
        }
        return nil
    }

    func close() {
        lock.withLock {
            connection?.close()
            connection = nil
        }
    }
}
