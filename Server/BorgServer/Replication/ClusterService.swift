import BorgAPIClient
import BorgProtocol
import BorgStore
import Foundation
import Logging
import ServiceLifecycle

/// Every tick: learns which node leads, announces this coordinator's URL (through the leading coordinator,
/// which takes every write), and learns the live coordinators. While leading it also keeps the grid's
/// voters (a voter silent past `--voter-grace` is replaced by a live standby), and rebuilds the ready queue
/// from the store now and then, to pick up tasks created while leadership was moving.
struct ClusterService: Service {
    let grid: ReplicatedGrid
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
                    if grid.leads && Date().timeIntervalSince(lastRebuild) > Self.queueRebuildInterval {
                        try await grid.engine.reload()
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
        try await grid.refreshLeader()
        if let url = grid.ownURL {
            try await announce(ClusterAnnounceRequest(nodeID: grid.node.id, url: url, clusterAddress: grid.node.address))
        }
        let now = grid.engine.clock()
        let since = now - liveness
        let everyone = try await grid.store.read { q in try q.coordinators(seenSince: 0) }
        let live = everyone.filter { $0.seenAt >= since }
        grid.state.coordinators = live
        if !live.isEmpty { try? grid.node.remember(live.map(\.clusterAddress)) }
        if grid.leads { try await keepVoters(everyone, liveSince: since, silentSince: now - grid.settings.voterGrace) }
    }

    /// Replaces a voter silent past the grace period with a live standby (``ClusterNode/keepVoters``).
    private func keepVoters(_ everyone: [CoordinatorRecord], liveSince: Double, silentSince: Double) async throws {
        let seen = Dictionary(everyone.map { (UInt64($0.nodeID), $0.seenAt) }, uniquingKeysWith: max)
        let node = grid.node
        if let change = try await Blocking.run({ try node.keepVoters(seen: seen, liveSince: liveSince, silentSince: silentSince) }) {
            logger.notice("voters: \(change)")
        }
    }

    /// Records this coordinator in the store: itself when it leads (or knows no leading coordinator yet),
    /// else through the leading coordinator, so that followers never compete for the write lock.
    private func announce(_ announcement: ClusterAnnounceRequest) async throws {
        guard !grid.leads, let leaderURL = grid.state.leaderURL, leaderURL != announcement.url else {
            return try await grid.record(announcement)
        }
        let client = CoordinatorClient(coordinators: [try grid.link(to: leaderURL)], credential: grid.settings.secret,
                                       timeout: .seconds(5))
        let (status, body) = try await client.raw(.POST, "/v1/cluster/announce", body: try JSONEncoder().encode(announcement))
        guard status < 300 else {
            throw ClusterFailure("the leading coordinator refused this coordinator's announcement: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }
}
