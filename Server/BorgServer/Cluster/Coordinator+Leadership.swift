import BorgProtocol
import Foundation

extension Coordinator {
    /// Where a request that changes state goes: here when this coordinator leads (or there is no grid),
    /// else to the leading coordinator.
    func writeRoute() async -> WriteRoute {
        guard let cluster, let locator else { return .here }
        let leader: UInt64?
        if let fresh = locator.freshAnswer() {
            leader = fresh
        } else {
            leader = (try? await Blocking.run { locator.leaderID() }) ?? nil
        }
        observe(leader: leader)
        guard let leader else { return .unavailable("no coordinator of the grid leads (an election is under way, or a majority is down)") }
        if leader == cluster.id { return .here }
        guard let url = clusterState.leaderURL else {
            return .unavailable("the leading coordinator (node \(leader)) has not announced its address yet")
        }
        return .leader(url)
    }

    /// Records which node leads and logs when this coordinator starts or stops leading.
    func observe(leader: UInt64?) {
        guard let cluster else { return }
        switch clusterState.observe(leader: leader, ownNode: cluster.id) {
        case true?: logger.info("this coordinator now leads the grid")
        case false?: logger.info("this coordinator no longer leads the grid")
        case nil: break
        }
    }

    /// Writes a coordinator's announcement to the store.
    func record(_ announcement: ClusterAnnounceRequest, now: Double) async throws {
        let (id, url, address) = (Int64(bitPattern: announcement.nodeID), announcement.url, announcement.clusterAddress)
        try await store.write { q in try q.announceCoordinator(nodeID: id, url: url, clusterAddress: address, now: now) }
    }

    /// The leader a request was forwarded to did not answer: ask the node again next time.
    func leaderDidNotAnswer() {
        locator?.invalidate()
    }

    /// In a grid, rebuilds the ready queue from the store if this coordinator has not led since it was
    /// last rebuilt (tasks were created through other coordinators meanwhile).
    func refreshQueueIfStale() async throws {
        guard cluster != nil, clusterState.takeStaleQueue() else { return }
        do {
            try await engine.reload()
        } catch {
            clusterState.markQueueStale()
            throw error
        }
    }
}
