import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation

/// A piece to delete from a host, with the order that lets the coordinator do it.
public struct PieceDeletion: Sendable {
    public let garbage: GarbagePiece
    /// The host's piece address; nil when the host is gone for good (nothing to delete there).
    public let url: String?
    public let order: String
}

extension StorageEngine {
    /// Uploads never committed within an order's lifetime (and a margin for transfers under way when the
    /// orders expired) are dropped; their pieces become garbage. Returns how many uploads were dropped.
    public func abandonStaleUploads() async throws -> Int {
        let before = clock() - policy.transferWindow
        return try await store.write { q in
            let stale = try q.abandonedUploads(startedBefore: before)
            for id in stale {
                try q.setFileState(id, StoredFileRecord.deleted)
                try q.discardPieces(file: id, storedToo: true)
            }
            return stale.count
        }
    }

    /// Garbage pieces on hosts that are online now (or gone for good), each with a delete order.
    public func pieceDeletions(limit: Int) async throws -> [PieceDeletion] {
        let now = clock()
        let (garbage, hosts) = try await store.read { q in (try q.garbagePieces(limit: limit), try q.storageHosts()) }
        let byID = Dictionary(hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        return garbage.compactMap { piece in
            let host = byID[piece.host]
            if let host, host.active, !isOnline(host, now: now) { return nil }
            let url = (host?.active ?? false) ? host?.url : nil
            let id = try? PieceID(parsing: piece.piece)
            return PieceDeletion(garbage: piece, url: url,
                                 order: order(file: piece.fileID, segments: (id?.segment ?? 0) + 1, pieces: (id?.index ?? 0) + 1,
                                              host: piece.host, actions: [.delete], maxPieceBytes: 0, now: now))
        }
    }

    /// Forgets garbage its hosts deleted.
    public func collected(_ pieces: [GarbagePiece]) async throws {
        guard !pieces.isEmpty else { return }
        try await store.write { q in try q.collected(pieces) }
    }
}
