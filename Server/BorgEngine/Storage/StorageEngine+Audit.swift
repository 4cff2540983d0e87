import BorgCore
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
    /// Random stored pieces of every online host, `perHost` each: what the next audit reads. Nothing is
    /// announced in advance, so a host cannot keep answers without keeping the pieces.
    public func audits(perHost: Int) async throws -> [PieceAudit] {
        let now = clock()
        return try await store.read { [self] q in
            try q.storageHosts().filter { isOnline($0, now: now) }.flatMap { host in
                try q.randomPieces(host: host.host, limit: perHost).map {
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
                    try q.recordAudit(of: piece, passed: passed)
                } else {
                    try q.recordUnansweredAudit(host: piece.host, now: now)
                }
            }
        }
    }

    /// Whether `host`'s audits have gone unanswered for longer than the repair grace.
    func isUnanswering(_ host: StorageHostRecord, now: Double) -> Bool {
        host.auditUnansweredSince.map { $0 < now - policy.repairGrace } ?? false
    }
}
