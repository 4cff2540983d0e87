import BorgStore
import Foundation

/// What this coordinator currently knows about the grid, refreshed every tick by ``ClusterService``:
/// whether its node leads, and the coordinators that announced themselves recently.
final class ClusterState: @unchecked Sendable {
    private let lock = NSLock()
    private var leading = false
    private var live: [CoordinatorRecord] = []

    /// Whether this coordinator's node is the Raft leader (it then runs the background work).
    var isLeader: Bool {
        get { lock.withLock { leading } }
        set { lock.withLock { leading = newValue } }
    }

    /// Coordinators that announced themselves recently, by node ID.
    var coordinators: [CoordinatorRecord] {
        get { lock.withLock { live } }
        set { lock.withLock { live = newValue } }
    }
}
