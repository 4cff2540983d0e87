import Foundation
import Logging
import ServiceLifecycle

/// Applies the retention policy on every coordinator: the leading one purges finished batches and collects
/// unreferenced blobs from the database; every one collects its own unreferenced blob files.
public struct RetentionService: Service {
    let engine: LifecycleEngine
    let policy: RetentionPolicy
    /// How often batches are checked for purging.
    let interval: Duration
    /// How often blobs are collected when nothing was purged meanwhile.
    let blobInterval: Double
    let logger: Logger
    /// Whether this coordinator leads (in a grid: only the leading coordinator writes).
    let isActive: @Sendable () -> Bool

    public init(engine: LifecycleEngine, policy: RetentionPolicy, interval: Duration = .seconds(60), blobInterval: Double = 3_600,
                logger: Logger, isActive: @escaping @Sendable () -> Bool) {
        self.engine = engine
        self.policy = policy
        self.interval = interval
        self.blobInterval = blobInterval
        self.logger = logger
        self.isActive = isActive
    }

    /// One pass: purge what is due (when leading), then collect blobs if anything was purged or `collectBlobs`.
    @discardableResult
    public static func pass(_ engine: LifecycleEngine, policy: RetentionPolicy, leading: Bool, collectBlobs: Bool,
                            logger: Logger) async throws -> (purge: PurgeSummary, blobs: Int?) {
        let purge = leading ? try await engine.purgeBatches(policy) : PurgeSummary()
        engine.metrics.workUnitsPurged.increment(by: Int64(purge.workUnits))
        if leading {
            let size = try await engine.store.read { q in try q.databaseSize() }
            engine.metrics.databaseBytes.set(Double(size.bytes))
            engine.metrics.databaseFreeBytes.set(Double(size.freeBytes))
        }
        if purge.workUnits > 0 {
            logger.info("purged \(purge.workUnits) work units; batches now fully purged: \(purge.batches.map(\.rawValue))")
        }
        guard collectBlobs || purge.workUnits > 0 else { return (purge, nil) }
        let blobs = try await engine.collectBlobs(policy, database: leading)
        releaseFreedMemory()
        engine.metrics.blobsCollected.increment(by: Int64(blobs))
        if blobs > 0 { logger.info("collected \(blobs) blobs nothing refers to") }
        return (purge, blobs)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastBlobCollection = engine.clock()
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    let due = engine.clock() - lastBlobCollection >= blobInterval
                    let result = try await Self.pass(engine, policy: policy, leading: isActive(), collectBlobs: due, logger: logger)
                    if result.blobs != nil { lastBlobCollection = engine.clock() }
                } catch {
                    logger.error("retention pass failed: \(error)")
                }
            }
        }
    }
}

/// Hands memory freed by a retention pass (its lists of candidate blobs can be large) back to the system:
/// glibc's allocator keeps it otherwise, and the coordinator would look as large as its largest pass forever.
private func releaseFreedMemory() {
    #if os(Linux)
    _ = mallocTrim(0)
    #endif
}

#if os(Linux)
/// glibc's `malloc_trim(3)`, which the Glibc module does not export.
@_silgen_name("malloc_trim")
private func mallocTrim(_ keep: Int) -> Int32
#endif
