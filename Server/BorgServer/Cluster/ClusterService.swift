import BorgStore
import Foundation
import Logging
import ServiceLifecycle

/// Every tick: announces this coordinator's URL in the store, learns the live coordinators and whether
/// this node leads, and refills the ready queues from the store (tasks other coordinators created, or
/// left behind when they died).
struct ClusterService: Service {
    let coordinator: Coordinator
    let node: ClusterNode
    let state: ClusterState
    let interval: Duration
    let logger: Logger

    /// A coordinator that has not announced itself for this long (seconds) is left out of replies.
    var liveness: Double {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        return max(5, 3 * seconds)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await tick()
                } catch {
                    logger.warning("cluster tick failed: \(error)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func tick() async throws {
        let wasLeader = state.isLeader
        let leader = try await Blocking.run { [node] in node.leaderID() }
        state.isLeader = leader == node.id
        if state.isLeader != wasLeader {
            logger.info(state.isLeader ? "this coordinator now leads the grid" : "this coordinator no longer leads")
        }
        let now = coordinator.engine.clock()
        if let url = coordinator.ownURL {
            let (id, address) = (Int64(bitPattern: node.id), node.address)
            try await coordinator.store.write { q in
                try q.announceCoordinator(nodeID: id, url: url, clusterAddress: address, now: now)
            }
        }
        let live = try await coordinator.store.read { q in try q.coordinators(seenSince: now - liveness) }
        state.coordinators = live
        if !live.isEmpty { try? node.remember(live.map(\.clusterAddress)) }
        try await coordinator.engine.reload()
    }
}
