import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation

/// A piece to audit: read it from its host and check it against its digest.
public struct PieceAudit: Sendable {
    public let piece: PieceRecord
    public let url: String
    public let order: String
}

extension StorageEngine {
    /// What the next audit reads of every online host: the pieces readers reported damaged (at most
    /// ``suspectsPerPass``), then `perHost` random stored pieces. Nothing is announced in advance, so a host
    /// cannot keep answers without keeping the pieces.
    public func audits(perHost: Int) async throws -> [PieceAudit] {
        let now = clock()
        return try await store.read { [self] q in
            try q.storageHosts().filter { isOnline($0, now: now) }.flatMap { host in
                try (q.suspectPieces(host: host.host, limit: Self.suspectsPerPass) + q.randomPieces(host: host.host, limit: perHost)).map {
                    PieceAudit(piece: $0, url: host.url,
                               order: order(file: $0.fileID, segments: $0.segment + 1, pieces: $0.index + 1, host: host.host, actions: [.get], maxPieceBytes: Int($0.size), now: now))
                }
            }
        }
    }

    /// Records audit outcomes: a failed piece is lost, and repair rebuilds it elsewhere. A host whose audits
    /// go unanswered (nil: an error or no answer, never a verdict) for longer than the repair grace while it
    /// keeps offering storage counts as silent: its pieces are rebuilt elsewhere, as a host that sends offers
    /// but serves nothing is no better than one gone.
    public func audited(_ outcomes: [(piece: PieceRecord, passed: Bool?)]) async throws {
        guard !outcomes.isEmpty else { return }
        let now = clock()
        try await store.write { q in
            for (piece, passed) in outcomes {
                if let passed {
                    try q.recordAudit(of: piece, passed: passed, forgetting: StoragePolicy.auditForgetting)
                    try q.clearSuspect(piece)
                } else {
                    try q.recordUnansweredAudit(host: piece.host, now: now)
                }
            }
            try q.dropStaleSuspects()
        }
    }

    /// The most reported pieces of one host audited in a pass.
    static let suspectsPerPass = 64

    /// Marks pieces of `file` that the owner's reader found damaged for the next audit of their hosts (a hint:
    /// only the audit's verdict marks a piece lost).
    public func reportDamaged(host: HostRecord, file id: String, _ report: DamagedPiecesReport) async throws -> DamagedPiecesReceipt {
        guard report.pieces.count <= DamagedPiecesReport.limit else {
            throw EngineError.invalid("a report names at most \(DamagedPiecesReport.limit) pieces, this one \(report.pieces.count): send several")
        }
        let now = clock()
        return try await store.write { [self] q in
            let file = try owned(id, by: host, q)
            let pieces = try report.pieces.map { pair -> (segment: Int, index: Int) in
                guard pair.count == 2, (0..<file.segments).contains(pair[0]), (0..<(file.dataPieces + file.parityPieces)).contains(pair[1]) else {
                    throw EngineError.invalid(
                        "each piece is [segment, index] with segment below \(file.segments) and index below \(file.dataPieces + file.parityPieces), got \(pair.prefix(3))")
                }
                return (pair[0], pair[1])
            }
            return DamagedPiecesReceipt(queued: try q.markSuspect(file: id, pieces: pieces, now: now))
        }
    }

    /// Whether `host`'s audits have gone unanswered for longer than the repair grace.
    func isUnanswering(_ host: StorageHostRecord, now: Double) -> Bool {
        host.auditUnansweredSince.map { $0 < now - policy.repairGrace } ?? false
    }
}
