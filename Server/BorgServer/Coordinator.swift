import BorgCore
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// One coordinator: the HTTP API over a store, the ready queues and the lifecycle engine.
public final class Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    public let store: Store
    public let metrics: CoordinatorMetrics
    public let bootstrap: DataDirectoryBootstrap
    let engine: LifecycleEngine
    let auth: Authenticator
    let logger: Logger
    /// This coordinator's dqlite node, when the store is replicated.
    let cluster: ClusterNode?
    let clusterState: ClusterState
    /// Copies blobs to and from peers, when the store is replicated.
    let replicator: BlobReplicator?
    /// Tells which coordinator leads, when the store is replicated.
    let locator: LeaderLocator?
    /// The port actually bound (differs from the configured one when that is 0).
    private let boundPort: BoundPort

    /// Opens the store in the configured data directory, bootstraps it on first start and rebuilds the
    /// ready queues. `clock` returns seconds since 1970 (tests may move time).
    public init(
        configuration: CoordinatorConfiguration, logger: Logger = Logger(label: "borg-server"),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) async throws {
        self.configuration = configuration
        self.logger = logger
        let clusterState = ClusterState()
        let boundPort = BoundPort()
        self.clusterState = clusterState
        self.boundPort = boundPort
        if let settings = configuration.cluster {
            let node = try await ClusterNode.start(settings, dataDirectory: configuration.dataDirectory, logger: logger)
            cluster = node
            locator = LeaderLocator(node: node)
            let backend = DqliteBackend(seeds: node.seeds, database: ClusterNode.database, timeout: settings.writeTimeout,
                                        writeBatchLimit: configuration.writeBatchLimit)
            do {
                store = try await Store(directory: configuration.dataDirectory, backend: backend)
            } catch {
                backend.close()
                node.stop()
                throw error
            }
        } else {
            cluster = nil
            locator = nil
            store = try await Store(directory: configuration.dataDirectory, writeBatchLimit: configuration.writeBatchLimit)
        }
        metrics = CoordinatorMetrics()
        bootstrap = try await DataDirectoryBootstrap.run(store: store, now: clock())
        engine = LifecycleEngine(
            store: store, queue: ReadyQueue(), catalog: ProjectCatalog(), metrics: metrics,
            stragglers: configuration.stragglers, clock: clock)
        auth = Authenticator(store: store)
        let blobs = store.blobs
        replicator = configuration.cluster.map { [configuration] settings in
            BlobReplicator(blobs: blobs, secret: settings.secret, peers: {
                let own = boundPort.value.map(configuration.url(port:))
                return clusterState.coordinators.map(\.url).filter { $0 != own }
            })
        }
        try await engine.reload()
    }

    /// The URLs handed to clients so they can fail over: in a grid, every live coordinator, the leading
    /// one first (it takes the writes; the others would forward them to it), then this one.
    var coordinators: [String] {
        let own = ownURL ?? configuration.url(port: configuration.port)
        let first = [clusterState.leaderURL, own].compactMap { $0 }
        var list: [String] = []
        for url in first + clusterState.coordinators.map(\.url) where !list.contains(url) { list.append(url) }
        return list
    }

    /// This coordinator's API URL, once it listens.
    var ownURL: String? { boundPort.value.map(configuration.url(port:)) }

    /// The HTTP application with every route, plus the background lifecycle service.
    /// `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        if let settings = configuration.cluster {
            router.add(middleware: LeaderForwardingMiddleware(
                coordinator: self, forwarder: RequestForwarder(bodyLimit: max(configuration.jsonBodyLimit, configuration.blobLimit)),
                patience: settings.writeTimeout))
        }
        addMetaRoutes(to: router)
        addHostRoutes(to: router)
        addBlobRoutes(to: router)
        addSubmitterRoutes(to: router)
        addStatsRoutes(to: router)
        addClusterRoutes(to: router)
        let clusterState = self.clusterState
        var services: [any Service] = [
            BackgroundLifecycleService(engine: engine, interval: configuration.tickInterval, logger: logger,
                                       isActive: { [cluster] in cluster == nil || clusterState.isLeader })
        ]
        if let cluster, let locator {
            services.append(ClusterService(coordinator: self, node: cluster, locator: locator, state: clusterState,
                                           interval: min(configuration.tickInterval, .seconds(1)), logger: logger))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "borg-server"),
            services: services,
            onServerRunning: { [boundPort] channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.value = port
                await onRunning(port)
            },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then drains requests and closes the store. In a grid the leading
    /// coordinator then leaves the list of live coordinators and hands leadership to another; the others
    /// just stop their node (they drop out of replies within a few ticks), so that the last coordinators
    /// of a grid that lost its quorum do not wait for one.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer {
            store.close()
            locator?.close()
            cluster?.stop()
        }
        try await application(onRunning: onRunning).runService()
        if let cluster, let locator {
            locator.invalidate()
            guard locator.leaderID() == cluster.id else { return }
            let id = Int64(bitPattern: cluster.id)
            try? await store.write { q in try q.removeCoordinator(nodeID: id) }
            cluster.handOverLeadership()
        }
    }

    /// Moves deadlines and backups forward once (the background service does this every tick).
    public func tick() async throws {
        try await engine.expireDeadlines()
        try await engine.issueBackups()
    }

    /// Ready-queue depth (unsent tasks waiting).
    public var queueDepth: Int { engine.queue.depth }

    /// Reply body `{"status": "ok", ...}`.
    struct Health: Codable {
        var status: String
        var apiVersion: String
        var coordinators: [String]
        var queueDepth: Int
    }
}

/// The listening port, known once the server runs.
final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?

    var value: Int? {
        get { lock.withLock { port } }
        set { lock.withLock { port = newValue } }
    }
}

/// Runs deadline expiry and backup issuing every `interval`, and forgets day-old idempotency keys.
struct BackgroundLifecycleService: Service {
    let engine: LifecycleEngine
    let interval: Duration
    let logger: Logger
    /// Whether this coordinator should do the work now (in a grid: only the leader's coordinator does).
    let isActive: @Sendable () -> Bool

    /// Seconds an idempotency key is remembered, and how often old ones are forgotten.
    static let idempotencyRetention: Double = 86_400
    static let idempotencyCleanupInterval: Double = 60

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastCleanup = Date.distantPast
            while !Task.isCancelled {
                do {
                    if isActive() {
                        try await engine.expireDeadlines()
                        try await engine.issueBackups()
                        if Date().timeIntervalSince(lastCleanup) > Self.idempotencyCleanupInterval {
                            let before = engine.clock() - Self.idempotencyRetention
                            try await engine.store.write { q in try q.forgetIdempotencyKeys(before: before) }
                            lastCleanup = Date()
                        }
                    }
                } catch {
                    logger.error("background lifecycle pass failed: \(error)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
