import BorgAPIClient
import BorgCore
import BorgEngine
import BorgStorage
import BorgStore
import Crypto
import Foundation
import Logging

/// Audits and repair, run by ``StorageMaintenanceService`` on the leading coordinator: audits random pieces
/// on every host, and mends segments that lost pieces (rebuilding them from k others) or have pieces on a
/// leaving host (copying them), most endangered first. It reads and writes coded ciphertext only; file keys
/// never reach a coordinator.
enum StorageRepair {
    /// Segments one pass mends at most; a pass that reaches it is followed by the next without a pause.
    static let segmentsPerPass = 64

    /// What one pass did.
    struct Outcome: Sendable, Equatable {
        var audited = 0
        var auditsFailed = 0
        var piecesRepaired = 0
        /// The pass was given as many segments as it may and mended some: more may be waiting.
        var moreToRepair = false
    }

    /// One pass: audit, then repair what is due (including what the audit found lost).
    @discardableResult
    static func pass(_ storage: StorageEngine, pieces: PieceClient, auditsPerHost: Int, logger: Logger) async throws -> Outcome {
        LargeBuffers.configure()
        var outcome = Outcome()
        let audits = try await storage.audits(perHost: auditsPerHost)
        let results = await withTaskGroup(of: (piece: PieceRecord, passed: Bool?).self) { group in
            for audit in audits {
                group.addTask { (audit.piece, await audited(audit, pieces: pieces)) }
            }
            var results: [(piece: PieceRecord, passed: Bool?)] = []
            for await result in group { results.append(result) }
            return results
        }
        try await storage.audited(results)
        outcome.audited = results.filter { $0.passed != nil }.count
        outcome.auditsFailed = results.filter { $0.passed == false }.count
        for (piece, passed) in results where passed == false {
            logger.warning("audit failed: piece \(PieceID(fileID: piece.fileID, segment: piece.segment, index: piece.index)) on host \(piece.host) is missing or damaged")
        }
        // Segments are mended eight at a time; each is recorded as soon as its pieces are stored.
        let repairs = try await storage.repairs(limit: segmentsPerPass)
        try await withThrowingTaskGroup(of: (SegmentRepair, [(target: PieceTarget, sha256: String, size: Int)]).self) { group in
            var next = 0
            func schedule() {
                let repair = repairs[next]
                next += 1
                group.addTask { (repair, await mend(repair, pieces: pieces, logger: logger)) }
            }
            while next < min(8, repairs.count) { schedule() }
            for try await (repair, done) in group {
                outcome.piecesRepaired += try await storage.repaired(repair.fileID, segment: repair.segment, done)
                if next < repairs.count { schedule() }
            }
        }
        if outcome.piecesRepaired > 0 { logger.info("repaired \(outcome.piecesRepaired) pieces") }
        // A pass that mends nothing (pieces unreadable for now) must not be repeated at once.
        outcome.moreToRepair = repairs.count == segmentsPerPass && outcome.piecesRepaired > 0
        return outcome
    }

    /// Reads a piece and checks it: a piece the host says it lacks (404), or bytes of another size or digest,
    /// fail. Nil when the audit proves nothing by itself: no answer or a refusal an honest host can give (it
    /// has not learned the order key yet, a clock off); only a run of them longer than the repair grace counts.
    static func audited(_ audit: PieceAudit, pieces: PieceClient) async -> Bool? {
        let name = PieceID(fileID: audit.piece.fileID, segment: audit.piece.segment, index: audit.piece.index).description
        do {
            let bytes = try await pieces.get(piece: name, order: audit.order, at: audit.url, limit: Int(audit.piece.size) + 1)
            return bytes.count == Int(audit.piece.size) && HexEncoding.string(SHA256.hash(data: bytes)) == audit.piece.sha256
        } catch let error as PieceTransferError where error.status == 404 || error.tooLarge {
            return false
        } catch {
            return nil
        }
    }

    /// Puts a segment's missing pieces on their new hosts: copies where a leaving host still has the piece,
    /// else rebuilt from k verified pieces. Returns the targets that now hold their piece, with its digest and size.
    static func mend(_ repair: SegmentRepair, pieces: PieceClient, logger: Logger) async -> [(target: PieceTarget, sha256: String, size: Int)] {
        var bytes: [Int: [UInt8]] = [:]
        for target in repair.targets {
            guard let copy = target.copy else { continue }
            bytes.merge(await pieces.read(1, of: [location(copy, repair)], size: repair.pieceSize).pieces) { first, _ in first }
        }
        let missing = repair.targets.map(\.index).filter { bytes[$0] == nil }
        if !missing.isEmpty {
            let good = await pieces.read(repair.redundancy.dataPieces, of: repair.sources.map { location($0, repair) },
                                         size: repair.pieceSize).pieces
            if good.count == repair.redundancy.dataPieces,
               let rebuilt = try? ErasureCoder(repair.redundancy).rebuild(good, missing: missing) {
                bytes.merge(rebuilt) { first, _ in first }
            } else {
                logger.warning("segment \(repair.segment) of file \(repair.fileID): only \(good.count) of \(repair.redundancy.dataPieces) pieces readable; repair waits")
            }
        }
        var done: [(target: PieceTarget, sha256: String, size: Int)] = []
        for target in repair.targets {
            guard let piece = bytes[target.index] else { continue }
            let digest = HexEncoding.string(SHA256.hash(data: piece))
            guard target.sha256 == nil || digest == target.sha256 else { continue }
            do {
                try await pieces.put(piece[...], piece: PieceID(fileID: repair.fileID, segment: repair.segment, index: target.index).description,
                                     sha256: digest, order: target.order, at: target.url)
                done.append((target, digest, piece.count))
            } catch {
                logger.warning("repair could not store a piece: \(error)")
            }
        }
        return done
    }

    /// Where the repairer reads a source piece.
    static func location(_ source: PieceSource, _ repair: SegmentRepair) -> PieceLocation {
        PieceLocation(index: source.index, piece: PieceID(fileID: repair.fileID, segment: repair.segment, index: source.index).description,
                      url: source.url, order: source.order, sha256: source.sha256)
    }
}
