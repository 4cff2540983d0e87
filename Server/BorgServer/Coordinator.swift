import BorgAPIClient
import BorgCore
import BorgDashboard
import BorgEngine
import BorgHTTP
import BorgStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// One coordinator, composed from explicit pieces: the store, the lifecycle engine over it, how it
/// replicates with other coordinators (``SingleCoordinator`` or ``ReplicatedGrid``), and the HTTP route
/// groups and services built from them. Nothing it builds holds a reference back to it.
public final class Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    public let bootstrap: DataDirectoryBootstrap
    let engine: LifecycleEngine
    let storage: StorageEngine
    let replication: any Replication
    let auth: Authenticator
    let dashboard: Dashboard
    let logger: Logger
    private let advertised: AdvertisedURL
    /// Services that run beside the HTTP server besides the lifecycle's background work.
    private let replicationServices: [any Service]

    /// Opens the store in the configured data directory (in a grid: starts the dqlite node and joins),
    /// bootstraps it on first start and rebuilds the ready queues. `clock` returns seconds since 1970
    /// (tests may move time).
    public init(
        configuration: CoordinatorConfiguration, logger: Logger = Logger(label: "borg-server"),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) async throws {
        self.configuration = configuration
        self.logger = logger
        let advertised = AdvertisedURL(configuration)
        self.advertised = advertised
        let metrics = CoordinatorMetrics()
        if let settings = configuration.cluster {
            let (node, store) = try await ReplicatedGrid.openStore(configuration, settings, logger: logger)
            engine = LifecycleEngine(store: store, metrics: metrics, stragglers: configuration.stragglers,
                                     retention: configuration.retention, clock: clock)
            let grid = ReplicatedGrid(node: node, settings: settings, engine: engine, advertised: advertised, logger: logger)
            replication = grid
            replicationServices = [ClusterService(grid: grid, interval: min(configuration.tickInterval, .seconds(1)), logger: logger)]
        } else {
            let store = try await Store(directory: configuration.dataDirectory, writeBatchLimit: configuration.writeBatchLimit)
            engine = LifecycleEngine(store: store, metrics: metrics, stragglers: configuration.stragglers,
                                     retention: configuration.retention, clock: clock)
            replication = SingleCoordinator(advertised: advertised)
            replicationServices = []
        }
        bootstrap = try await DataDirectoryBootstrap.run(store: engine.store, now: clock())
        storage = StorageEngine(
            store: engine.store,
            signer: try OrderKey.signer(dataDirectory: configuration.dataDirectory, clusterSecret: configuration.cluster?.secret),
            policy: configuration.storage, clock: clock)
        auth = Authenticator(store: engine.store)
        dashboard = try Dashboard()
        try await engine.reload()
    }

    /// The coordinator's store.
    public var store: Store { engine.store }

    /// Ready-queue depth (unsent tasks waiting).
    public var queueDepth: Int { engine.queueDepth }

    /// The HTTP application with every route group, plus the background services.
    /// `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let blobs = BlobService(store: engine.store, replication: replication, limit: configuration.blobLimit, clock: engine.clock)
        let router = Router(context: CoordinatorContext.self)
        router.add(middleware: MetricsMiddleware(metrics: engine.metrics))
        router.add(middleware: UnreadBodyMiddleware(limit: configuration.jsonBodyLimit))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: LeaderForwardingMiddleware(
            replication: replication,
            forwarder: RequestForwarder(jsonLimit: configuration.jsonBodyLimit, blobLimit: configuration.blobLimit), auth: auth))
        let api = APIRouter(router: router)
        HostRoutes(engine: engine, auth: auth, blobs: blobs, replication: replication,
                   reportBodyLimit: configuration.jsonBodyLimit).addRoutes(to: api)
        BlobRoutes(blobs: blobs, auth: auth).addRoutes(to: api)
        SubmitterRoutes(engine: engine, auth: auth, replication: replication,
                        batchBodyLimit: configuration.jsonBodyLimit).addRoutes(to: api)
        let statistics = ContributionStatistics(store: engine.store, clock: engine.clock)
        StatsRoutes(store: engine.store, statistics: statistics).addRoutes(to: api)
        TeamRoutes(engine: engine, auth: auth, statistics: statistics).addRoutes(to: api)
        StatisticsExportRoutes(export: StatisticsExport(store: engine.store, clock: engine.clock)).addRoutes(to: api)
        ClusterRoutes(replication: replication, blobs: blobs).addRoutes(to: api)
        StorageRoutes(storage: storage, auth: auth).addRoutes(to: api)
        DashboardRoutes(engine: engine, statistics: statistics, replication: replication, storage: storage,
                        dashboard: dashboard).addRoutes(to: api)
        MetaRoutes(engine: engine, replication: replication).addRoutes(to: api)
        router.add(middleware: MethodNotAllowedMiddleware(operations: api.operations))
        let replication = self.replication
        let background = BackgroundLifecycleService(engine: engine, interval: configuration.tickInterval, logger: logger,
                                                    isActive: { replication.leads })
        let retention = RetentionService(engine: engine, policy: configuration.retention, interval: configuration.retentionInterval,
                                         logger: logger, isActive: { replication.leads })
        let storageMaintenance = StorageMaintenanceService(storage: storage, pieces: PieceClient(), interval: configuration.storageInterval,
                                                           auditsPerHost: configuration.storageAuditsPerHost, logger: logger,
                                                           isActive: { replication.leads })
        let idleTimeout = configuration.idleTimeout
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [IdleConnectionHandler(timeout: idleTimeout)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "borg-server"),
            services: [background, retention, storageMaintenance] + replicationServices,
            onServerRunning: { [advertised, host = configuration.host] channel in
                let port = channel.localAddress?.port ?? 0
                advertised.listening(on: port)
                replication.apiIsServing(host: host, port: port)
                await onRunning(port)
            },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then drains requests, leaves the grid cleanly (when replicated) and
    /// closes the store.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer {
            engine.store.close()
            replication.close()
        }
        try await application(onRunning: onRunning).runService()
        await replication.leave()
    }

    /// Moves deadlines and backups forward once (the background service does this every tick).
    public func tick() async throws {
        try await BackgroundLifecycleService.pass(engine)
    }

    /// Applies the retention policy once: purges what is due and collects unreferenced blobs (the retention
    /// service does this every `retentionInterval`).
    @discardableResult
    public func applyRetention() async throws -> (purge: PurgeSummary, blobs: Int?) {
        try await RetentionService.pass(engine, policy: configuration.retention, leading: replication.leads, collectBlobs: true,
                                        logger: logger)
    }
}
