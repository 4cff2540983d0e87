import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation

/// How a piece stands for repair.
enum PieceStanding {
    /// On an online host that keeps it.
    case healthy
    /// On an online host that is leaving: copy it elsewhere.
    case leaving
    /// Its host is silent, but not yet for the grace period: wait.
    case waiting
    /// Gone: an audit failed, its host was removed, or silent past the grace period.
    case lost
}

extension StorageEngine {
    /// Segments that lost pieces (or have pieces on leaving hosts), most endangered first, at most `limit`,
    /// each with new hosts chosen for the pieces to put back and orders for every transfer.
    public func repairs(limit: Int) async throws -> [SegmentRepair] {
        let now = clock()
        let (files, hosts) = try await store.read { q in
            (try q.allStoredFiles().map { ($0, try q.pieces(file: $0.id)) }, try q.storageHosts())
        }
        let byID = Dictionary(hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        var candidates = candidates(hosts, now: now)
        var wanted: [(file: StoredFileRecord, segment: Int, pieces: [(PieceRecord, PieceStanding)])] = []
        for (file, pieces) in files {
            let bySegment = Dictionary(grouping: pieces, by: \.segment)
            for segment in 0..<file.segments {
                let judged = (bySegment[segment] ?? []).map { ($0, standing(of: $0, host: byID[$0.host], now: now)) }
                if judged.count < file.dataPieces + file.parityPieces || judged.contains(where: { $0.1 == .lost || $0.1 == .leaving }) {
                    wanted.append((file, segment, judged))
                }
            }
        }
        wanted.sort { $0.pieces.filter { $0.1 == .healthy }.count < $1.pieces.filter { $0.1 == .healthy }.count }
        var repairs: [SegmentRepair] = []
        for (file, segment, pieces) in wanted where repairs.count < limit {
            guard let redundancy = try? Redundancy(dataPieces: file.dataPieces, parityPieces: file.parityPieces) else { continue }
            let pieceSize = Int(Self.pieceSize(file: file, segment: segment))
            let sources = pieces.filter { $0.1 == .healthy || $0.1 == .leaving }
                .sorted { ($0.1 == .healthy ? 0 : 1, $0.0.index) < ($1.1 == .healthy ? 0 : 1, $1.0.index) }
                .compactMap { piece, _ in source(piece, hosts: byID, pieceSize: pieceSize, now: now) }
            // Pieces to put back: those lost or on a leaving host, and those the upload never stored.
            let present = Set(pieces.map(\.0.index))
            let moving: [(index: Int, from: HostID?, sha256: String?)] =
                pieces.filter { $0.1 == .lost || $0.1 == .leaving }.map { ($0.0.index, $0.0.host, $0.0.sha256) }
                + (0..<redundancy.totalPieces).filter { !present.contains($0) }.map { ($0, nil, nil) }
            // A rebuild needs k readable pieces; a move needs the leaving copy.
            let copies = Dictionary(sources.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
            guard sources.count >= redundancy.dataPieces || moving.allSatisfy({ copies[$0.index] != nil }) else { continue }
            // A host that lost a piece of the segment is not chosen for it while a host without any has room; when
            // none has (a grid as small as the code), it counts as holding only what it still holds.
            let holding = Dictionary(pieces.filter { $0.1 != .lost }.map { ($0.0.host.rawValue, 1) }, uniquingKeysWith: +)
            let lostOn = Set(pieces.filter { $0.1 == .lost }.map(\.0.host.rawValue))
            let donors = Set(pieces.filter { $0.1 == .healthy }.compactMap { byID[$0.0.host]?.donor.rawValue })
            guard let chosen = Placement.chooseMore(count: moving.count, pieceBytes: Int64(pieceSize), candidates: &candidates,
                                                    holding: holding, lostOn: lostOn, preferringNot: donors) else { continue }
            let urls = Dictionary(hosts.map { ($0.host.rawValue, $0.url) }, uniquingKeysWith: { first, _ in first })
            let targets = zip(moving, chosen).compactMap { piece, host -> PieceTarget? in
                guard let url = urls[host], piece.from == nil || piece.sha256 != nil else { return nil }
                return PieceTarget(index: piece.index, from: piece.from, to: HostID(host), url: url,
                                   order: order(file: file.id, segments: segment + 1, pieces: redundancy.totalPieces, host: HostID(host), actions: [.put, .delete], maxPieceBytes: pieceSize, now: now),
                                   sha256: piece.sha256, copy: copies[piece.index])
            }
            repairs.append(SegmentRepair(
                fileID: file.id, segment: segment, redundancy: redundancy, pieceSize: pieceSize,
                sealedLength: Int(min(Int64(file.segmentSize), file.size - Int64(segment) * Int64(file.segmentSize))) + SegmentCipher.overhead,
                sources: sources, targets: targets, healthy: pieces.filter { $0.1 == .healthy }.count))
        }
        return repairs
    }

    /// Records pieces put back on new hosts, each with the digest of the bytes stored; returns how many were
    /// recorded (a piece another repair moved first is not).
    @discardableResult
    public func repaired(_ file: String, segment: Int, _ stored: [(target: PieceTarget, sha256: String, size: Int)]) async throws -> Int {
        guard !stored.isEmpty else { return 0 }
        return try await store.write { q in
            // A file deleted meanwhile, or a host that started leaving, takes nothing; a piece not recorded is
            // garbage on the host it was just put on.
            let current = try q.file(file)?.state == StoredFileRecord.stored
            let leaving = Set(try q.storageHosts().filter(\.leaving).map(\.host))
            var recorded = 0
            for (target, sha256, size) in stored {
                var kept = false
                if current && !leaving.contains(target.to) {
                    if let from = target.from {
                        kept = try q.replacePiece(file: file, segment: segment, index: target.index, from: from, to: target.to)
                    } else {
                        kept = try q.addPiece(PieceRecord(fileID: file, segment: segment, index: target.index, host: target.to,
                                                          sha256: sha256, size: Int64(size), state: PieceRecord.stored))
                    }
                }
                if kept {
                    recorded += 1
                } else {
                    try q.discard(PieceID(fileID: file, segment: segment, index: target.index).description, file: file, on: target.to)
                }
            }
            return recorded
        }
    }

    func standing(of piece: PieceRecord, host: StorageHostRecord?, now: Double) -> PieceStanding {
        guard piece.state != PieceRecord.lost, let host, host.active, !isUnanswering(host, now: now) else { return .lost }
        if isOnline(host, now: now) { return host.leaving ? .leaving : .healthy }
        return host.seenAt < now - policy.repairGrace ? .lost : .waiting
    }

    func source(_ piece: PieceRecord, hosts: [HostID: StorageHostRecord], pieceSize: Int, now: Double) -> PieceSource? {
        guard let host = hosts[piece.host], let sha = piece.sha256 else { return nil }
        return PieceSource(index: piece.index, host: piece.host, url: host.url,
                           order: order(file: piece.fileID, segments: piece.segment + 1, pieces: piece.index + 1, host: piece.host, actions: [.get], maxPieceBytes: pieceSize, now: now),
                           sha256: sha)
    }
}
