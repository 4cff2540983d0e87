import BorgAPIClient
import BorgProtocol
import BorgStore
import Foundation
import Logging
import ServiceLifecycle

/// Every tick: learns which node leads, announces this coordinator's URL (through the leading coordinator,
/// which takes every write), and learns the live coordinators. While leading it also rebuilds the ready
/// queue from the store now and then, to pick up tasks created while leadership was moving.
struct ClusterService: Service {
    let coordinator: Coordinator
    let node: ClusterNode
    let locator: LeaderLocator
    let state: ClusterState
    let interval: Duration
    let logger: Logger
    /// Seconds between the leader's safety rebuilds of its ready queue.
    static let queueRebuildInterval: TimeInterval = 30

    /// A coordinator that has not announced itself for this long (seconds) is left out of replies.
    var liveness: Double {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        return max(5, 3 * seconds)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRebuild = Date()
            var failing = false
            while !Task.isCancelled {
                do {
                    try await tick()
                    if state.isLeader && Date().timeIntervalSince(lastRebuild) > Self.queueRebuildInterval {
                        try await coordinator.engine.reload()
                        lastRebuild = Date()
                    }
                    if failing { logger.info("cluster tick works again") }
                    failing = false
                } catch {
                    // Said once per outage, not every tick.
                    if !failing { logger.warning("cluster tick failed (retrying every tick until it works): \(error)") }
                    failing = true
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func tick() async throws {
        locator.invalidate()
        let leader = try await Blocking.run { [locator] in locator.leaderID() }
        coordinator.observe(leader: leader)
        let now = coordinator.engine.clock()
        if let url = coordinator.ownURL {
            try await announce(ClusterAnnounceRequest(nodeID: node.id, url: url, clusterAddress: node.address), now: now)
        }
        let live = try await coordinator.store.read { q in try q.coordinators(seenSince: now - liveness) }
        state.coordinators = live
        if !live.isEmpty { try? node.remember(live.map(\.clusterAddress)) }
    }

    /// Records this coordinator in the store: itself when it leads (or knows no leading coordinator yet),
    /// else through the leading coordinator, so that followers never compete for the write lock.
    private func announce(_ announcement: ClusterAnnounceRequest, now: Double) async throws {
        guard !state.isLeader, let leaderURL = state.leaderURL, leaderURL != announcement.url else {
            return try await coordinator.record(announcement, now: now)
        }
        let client = CoordinatorClient(coordinators: [leaderURL], credential: coordinator.configuration.cluster?.secret,
                                       timeout: .seconds(5))
        let (status, body) = try await client.raw(.POST, "/v1/cluster/announce", body: try JSONEncoder().encode(announcement))
        guard status < 300 else {
            throw ClusterFailure("the leading coordinator refused this coordinator's announcement: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }
}
