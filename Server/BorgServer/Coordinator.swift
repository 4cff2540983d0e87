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
    /// The port actually bound (differs from the configured one when that is 0).
    private let boundPort = BoundPort()

    /// Opens the store in the configured data directory, bootstraps it on first start and rebuilds the
    /// ready queues. `clock` returns seconds since 1970 (tests may move time).
    public init(
        configuration: CoordinatorConfiguration, logger: Logger = Logger(label: "borg-server"),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) async throws {
        self.configuration = configuration
        self.logger = logger
        store = try await Store(directory: configuration.dataDirectory, writeBatchLimit: configuration.writeBatchLimit)
        metrics = CoordinatorMetrics()
        bootstrap = try await DataDirectoryBootstrap.run(store: store, now: clock())
        engine = LifecycleEngine(
            store: store, queue: ReadyQueue(), catalog: ProjectCatalog(), metrics: metrics,
            stragglers: configuration.stragglers, clock: clock)
        auth = Authenticator(store: store)
        try await engine.reload()
    }

    /// The URLs handed to clients so they can fail over.
    var coordinators: [String] {
        configuration.advertisedCoordinators.isEmpty
            ? ["http://\(configuration.host):\(boundPort.value ?? configuration.port)"] : configuration.advertisedCoordinators
    }

    /// The HTTP application with every route, plus the background lifecycle service.
    /// `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        addMetaRoutes(to: router)
        addHostRoutes(to: router)
        addBlobRoutes(to: router)
        addSubmitterRoutes(to: router)
        addStatsRoutes(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "borg-server"),
            services: [BackgroundLifecycleService(engine: engine, interval: configuration.tickInterval, logger: logger)],
            onServerRunning: { [boundPort] channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.value = port
                await onRunning(port)
            },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then drains requests and closes the store.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer { store.close() }
        try await application(onRunning: onRunning).runService()
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

/// Runs deadline expiry and backup issuing every `interval`.
struct BackgroundLifecycleService: Service {
    let engine: LifecycleEngine
    let interval: Duration
    let logger: Logger
    /// The port actually bound (differs from the configured one when that is 0).
    private let boundPort = BoundPort()

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await engine.expireDeadlines()
                    try await engine.issueBackups()
                } catch {
                    logger.error("background lifecycle pass failed: \(error)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
