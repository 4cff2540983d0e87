import BorgCluster
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Logging

/// A coordinator that is one of a replicated grid: its store is the grid's dqlite database, the
/// coordinator whose node leads takes every write (the others forward them to it), and blob files are
/// copied to a second coordinator before anything references them.
final class ReplicatedGrid: Replication {
    let node: ClusterNode
    let settings: ClusterConfiguration
    let engine: LifecycleEngine
    let state = ClusterState()
    private let locator: LeaderLocator
    private let replicator: BlobReplicator
    private let advertised: AdvertisedURL
    private let logger: Logger

    /// Starts this coordinator's dqlite node (joining the grid on first start) and opens the grid's store
    /// through it.
    static func openStore(_ configuration: CoordinatorConfiguration, _ settings: ClusterConfiguration, logger: Logger)
        async throws -> (ClusterNode, Store)
    {
        let node = try await ClusterNode.start(settings, dataDirectory: configuration.dataDirectory, logger: logger)
        let backend = DqliteBackend(seeds: node.seeds, database: ClusterNode.database, timeout: settings.writeTimeout,
                                    writeBatchLimit: configuration.writeBatchLimit, dialer: node.dialer)
        do {
            return (node, try await Store(directory: configuration.dataDirectory, backend: backend))
        } catch {
            backend.close()
            node.stop()
            throw error
        }
    }

    init(node: ClusterNode, settings: ClusterConfiguration, engine: LifecycleEngine, advertised: AdvertisedURL, logger: Logger) {
        self.node = node
        self.settings = settings
        self.engine = engine
        self.advertised = advertised
        self.logger = logger
        locator = LeaderLocator(node: node)
        let state = self.state
        let tunnels = node.tunnels
        replicator = BlobReplicator(blobs: engine.store.blobs, secret: settings.secret, peers: {
            let own = advertised.url
            return try state.coordinators.filter { $0.url != own }.map { try Self.link(to: $0, through: tunnels) }
        })
    }

    func link(to url: String) throws -> String {
        guard let record = state.coordinator(at: url) else {
            throw EngineError.unavailable("no coordinator of the grid announced \(url)")
        }
        return try Self.link(to: record, through: node.tunnels)
    }

    /// The coordinator's API through the cluster link.
    private static func link(to coordinator: CoordinatorRecord, through tunnels: ClusterHTTPTunnels) throws -> String {
        try tunnels.url(for: coordinator.clusterAddress)
    }

    func apiIsServing(host: String, port: Int) {
        node.node.httpEndpoint.serve(host: host, port: port)
    }

    var store: Store { engine.store }
    var writePatience: Double { settings.writeTimeout }
    var ownURL: String? { advertised.url }
    var leads: Bool { state.isLeader }

    /// Every live coordinator, the leading one first (it takes the writes; the others would forward them
    /// to it), then this one.
    var coordinators: [String] {
        let own = advertised.url ?? advertised.configuredURL
        var list: [String] = []
        for url in [state.leaderURL, own].compactMap({ $0 }) + state.coordinators.map(\.url) where !list.contains(url) {
            list.append(url)
        }
        return list
    }

    func writeRoute() async -> WriteRoute {
        let leader: UInt64?
        if let fresh = locator.freshAnswer() {
            leader = fresh
        } else {
            leader = (try? await Blocking.run { [locator] in locator.leaderID() }) ?? nil
        }
        observe(leader: leader)
        guard let leader else { return .unavailable("no coordinator of the grid leads (an election is under way, or a majority is down)") }
        if leader == node.id { return .here }
        guard let url = state.leaderURL else {
            return .unavailable("the leading coordinator (node \(leader)) has not announced its address yet")
        }
        return .leader(url)
    }

    func leaderDidNotAnswer() { locator.invalidate() }

    /// Learns which node leads now (asking this coordinator's node), for the cluster service's tick.
    func refreshLeader() async throws {
        locator.invalidate()
        observe(leader: try await Blocking.run { [locator] in locator.leaderID() })
    }

    /// Records which node leads and logs when this coordinator starts or stops leading.
    private func observe(leader: UInt64?) {
        switch state.observe(leader: leader, ownNode: node.id) {
        case true?: logger.info("this coordinator now leads the grid")
        case false?: logger.info("this coordinator no longer leads the grid")
        case nil: break
        }
    }

    /// Rebuilds the ready queue from the store if this coordinator has not led since it was last rebuilt
    /// (tasks were created through other coordinators meanwhile).
    func refreshQueueIfStale() async throws {
        guard state.takeStaleQueue() else { return }
        do {
            try await engine.reload()
        } catch {
            state.markQueueStale()
            throw error
        }
    }

    func replicate(blob sha: String, _ data: Data) async throws {
        try await replicator.push(sha, data)
    }

    func fetchMissing(blobs digests: [String]) async {
        for sha in Set(digests) where !((try? await store.hasBlob(sha)) ?? false) {
            _ = await replicator.ensure(sha)
        }
    }

    func grid(authorizing secret: String?) throws -> ReplicatedGrid {
        guard let secret else { throw AccessError.missingCredential("missing 'Authorization: Bearer <cluster secret>'") }
        guard Secret.hash(secret) == Secret.hash(settings.secret) else { throw AccessError.denied("wrong cluster secret") }
        return self
    }

    /// Writes a coordinator's announcement to the store.
    func record(_ announcement: ClusterAnnounceRequest) async throws {
        let (id, url, address) = (Int64(bitPattern: announcement.nodeID), announcement.url, announcement.clusterAddress)
        let now = engine.clock()
        try await store.write { q in try q.announceCoordinator(nodeID: id, url: url, clusterAddress: address, now: now) }
    }

    /// The leading coordinator leaves the list of live coordinators and hands leadership to another; the
    /// others just stop their node (they drop out of replies within a few ticks), so that the last
    /// coordinators of a grid that lost its quorum do not wait for one.
    func leave() async {
        locator.invalidate()
        guard locator.leaderID() == node.id else { return }
        let id = Int64(bitPattern: node.id)
        try? await store.write { q in try q.removeCoordinator(nodeID: id) }
        node.handOverLeadership()
    }

    func close() {
        locator.close()
        node.stop()
    }
}
