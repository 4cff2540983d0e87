import BorgStore
import Foundation

/// What this coordinator currently knows about the grid: which node leads, the coordinators that
/// announced themselves recently (refreshed every tick by ``ClusterService``), and whether its ready
/// queue must be rebuilt before it dispatches (it was not leading, so others may have changed the store).
final class ClusterState: @unchecked Sendable {
    private let lock = NSLock()
    private var leaderNode: UInt64?
    private var leading = false
    private var live: [CoordinatorRecord] = []
    private var queueStale = true

    /// Whether this coordinator's node leads (it then runs the background work and takes every write).
    var isLeader: Bool { lock.withLock { leading } }

    /// Records who leads; returns true when this coordinator has just become the leader, false when it
    /// has just stopped leading, nil when that did not change.
    func observe(leader: UInt64?, ownNode: UInt64) -> Bool? {
        lock.withLock {
            let wasLeading = leading
            leaderNode = leader
            leading = leader == ownNode
            if !leading { queueStale = true }
            return leading == wasLeading ? nil : leading
        }
    }

    /// Coordinators that announced themselves recently, by node ID.
    var coordinators: [CoordinatorRecord] {
        get { lock.withLock { live } }
        set { lock.withLock { live = newValue } }
    }

    /// The API URL of the coordinator whose node leads, if it announced one.
    var leaderURL: String? {
        lock.withLock {
            guard let leaderNode else { return nil }
            return live.first { UInt64(bitPattern: $0.nodeID) == leaderNode }?.url
        }
    }

    /// The announced coordinator at `url`; if several announced it (behind one proxy), the leading one.
    func coordinator(at url: String) -> CoordinatorRecord? {
        lock.withLock {
            let matching = live.filter { $0.url == url }
            return matching.first { UInt64(bitPattern: $0.nodeID) == leaderNode } ?? matching.first
        }
    }

    /// Whether the ready queue must be rebuilt from the store; the caller that gets true does it.
    func takeStaleQueue() -> Bool {
        lock.withLock {
            defer { queueStale = false }
            return queueStale
        }
    }

    /// Asks for the ready queue to be rebuilt before the next dispatch.
    func markQueueStale() {
        lock.withLock { queueStale = true }
    }
}
