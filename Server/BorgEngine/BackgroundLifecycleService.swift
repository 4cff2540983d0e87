import Foundation
import Logging
import ServiceLifecycle

/// Runs deadline expiry, the reissue of removed hosts' tasks and backup issuing every `interval`, forgets
/// day-old idempotency keys, and snapshots the day's totals for the dashboard's history.
public struct BackgroundLifecycleService: Service {
    let engine: LifecycleEngine
    let interval: Duration
    let logger: Logger
    /// Whether this coordinator should do the work now (in a grid: only the leading coordinator does).
    let isActive: @Sendable () -> Bool

    /// Seconds an idempotency key is remembered, and how often old ones are forgotten.
    static let idempotencyRetention: Double = 86_400
    static let idempotencyCleanupInterval: Double = 60
    /// Seconds between snapshots of the day's totals.
    static let historyInterval: Double = 600

    public init(engine: LifecycleEngine, interval: Duration, logger: Logger, isActive: @escaping @Sendable () -> Bool) {
        self.engine = engine
        self.interval = interval
        self.logger = logger
        self.isActive = isActive
    }

    /// One pass: deadlines, tasks of removed hosts, then backups.
    public static func pass(_ engine: LifecycleEngine) async throws {
        try await engine.expireDeadlines()
        try await engine.reissueTasksOfRetiredHosts()
        try await engine.issueBackups()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastCleanup = -Double.infinity
            var lastSnapshot = -Double.infinity
            while !Task.isCancelled {
                do {
                    if isActive() {
                        try await Self.pass(engine)
                        if engine.clock() - lastCleanup > Self.idempotencyCleanupInterval {
                            try await engine.forgetIdempotencyKeys(olderThan: Self.idempotencyRetention)
                            lastCleanup = engine.clock()
                        }
                        if engine.clock() - lastSnapshot > Self.historyInterval {
                            try await engine.recordDailyTotals()
                            lastSnapshot = engine.clock()
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
