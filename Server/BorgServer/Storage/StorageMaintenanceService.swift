import BorgAPIClient
import BorgEngine
import BorgStore
import Foundation
import Logging
import ServiceLifecycle

/// The leading coordinator's storage upkeep, every `interval` (at once while repairs are waiting): drops uploads never committed, deletes pieces
/// no file needs (of deleted files, failed uploads, or replaced elsewhere) from their hosts, then audits and
/// repairs (``StorageRepair``).
struct StorageMaintenanceService: Service {
    let storage: StorageEngine
    let pieces: PieceClient
    let interval: Duration
    /// Pieces audited per host and pass.
    let auditsPerHost: Int
    let logger: Logger
    let isActive: @Sendable () -> Bool

    /// Collects garbage once; returns how many garbage pieces were deleted from hosts.
    @discardableResult
    static func collect(_ storage: StorageEngine, pieces: PieceClient, logger: Logger) async throws -> Int {
        let dropped = try await storage.abandonStaleUploads()
        if dropped > 0 { logger.info("dropped \(dropped) uploads never committed") }
        let deletions = try await storage.pieceDeletions(limit: 1_000)
        let done = await withTaskGroup(of: GarbagePiece?.self) { group in
            for deletion in deletions {
                group.addTask {
                    guard let url = deletion.url else { return deletion.garbage }
                    do {
                        try await pieces.delete(piece: deletion.garbage.piece, order: deletion.order, at: url)
                        return deletion.garbage
                    } catch {
                        logger.debug("could not delete \(error)")
                        return nil
                    }
                }
            }
            var done: [GarbagePiece] = []
            for await piece in group { if let piece { done.append(piece) } }
            return done
        }
        try await storage.collected(done)
        return done.count
    }

    /// Runs a pass every `interval`, or at once after a pass that left segments to repair.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var backlog = false
            while !Task.isCancelled {
                if !backlog { try? await Task.sleep(for: interval) }
                backlog = false
                guard isActive() else { continue }
                do {
                    try await Self.collect(storage, pieces: pieces, logger: logger)
                    backlog = try await StorageRepair.pass(storage, pieces: pieces, auditsPerHost: auditsPerHost, logger: logger).moreToRepair
                } catch {
                    logger.error("storage upkeep failed: \(error)")
                }
            }
        }
    }
}
