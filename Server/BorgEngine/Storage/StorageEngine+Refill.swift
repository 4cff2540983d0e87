import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation

extension StorageEngine {
    /// Places again the pieces an upload could not store, so that hosts failing or leaving mid-upload cost it
    /// no redundancy: in each listed segment short of the success threshold (a piece on a host that has left
    /// since does not count), every piece not stored goes to its planned host if that host still takes pieces
    /// and the client reached it, to another host holding none of the segment otherwise. Answers a layout
    /// listing only those pieces, with orders for them; empty when no listed segment is short. When some
    /// segment cannot reach the threshold, the upload fails (its pieces are collected) with the reason.
    public func refill(host: HostRecord, file id: String, _ request: RefillRequest) async throws -> FileLayout {
        let now = clock()
        let (file, pieces, hosts) = try await store.read { [self] q in
            let file = try owned(id, by: host, q)
            guard file.state == StoredFileRecord.uploading else { throw EngineError.wrongState("file \(id) is \(file.state), not uploading") }
            return (file, try q.pieces(file: id), try q.storageHosts())
        }
        guard now < file.createdAt + policy.orderLifetime else {
            throw EngineError.wrongState("the orders of upload \(id) have expired; put the file again")
        }
        let n = file.dataPieces + file.parityPieces
        try Self.check(request, segments: file.segments, pieces: n)
        let redundancy = try Redundancy(dataPieces: file.dataPieces, parityPieces: file.parityPieces)
        let unreachable = Set(request.unreachable.map(\.rawValue))
        let active = Set(hosts.filter(\.active).map(\.host))
        let donorOf = Dictionary(hosts.map { ($0.host, $0.donor.rawValue) }, uniquingKeysWith: { first, _ in first })
        var candidates = candidates(hosts, now: now).filter { !unreachable.contains($0.host) }
        let takingPieces = Set(candidates.map(\.host))
        var plannedHost = Array(repeating: [HostID?](repeating: nil, count: n), count: file.segments)
        for piece in pieces where piece.state == PieceRecord.planned { plannedHost[piece.segment][piece.index] = piece.host }

        var placement = Array(repeating: [HostID?](repeating: nil, count: n), count: file.segments)
        var moves: [(segment: Int, index: Int, from: HostID, to: HostID)] = []
        for entry in request.segments {
            let planned = plannedHost[entry.segment]
            let stored = (0..<n).filter { entry.digests[$0] != nil && planned[$0].map(active.contains) == true }
            guard stored.count < redundancy.successThreshold else { continue }
            let missing = (0..<n).filter { !stored.contains($0) }
            let stay = missing.filter { planned[$0].map { takingPieces.contains($0.rawValue) } == true }
            let move = missing.filter { !stay.contains($0) }
            for index in stay { placement[entry.segment][index] = planned[index] }
            // As many of the others as there are hosts holding none of the segment (candidates take only hosts
            // that take pieces and that the client reached).
            let keeping = Set((stored + stay).compactMap { planned[$0]?.rawValue })
            let chosen = Placement.choose(upTo: move.count, pieceBytes: Self.pieceSize(file: file, segment: entry.segment),
                                          candidates: &candidates, avoidingHosts: keeping,
                                          preferringNot: Set(keeping.compactMap { donorOf[HostID($0)] }))
            for (index, to) in zip(move, chosen) {
                guard let from = planned[index] else { continue }
                placement[entry.segment][index] = HostID(to)
                moves.append((entry.segment, index, from, HostID(to)))
            }
            let reachable = stored.count + stay.count + chosen.count
            guard reachable >= redundancy.successThreshold else {
                try await store.write { [self] q in
                    guard try owned(id, by: host, q).state == StoredFileRecord.uploading else { return }
                    try q.setFileState(id, StoredFileRecord.deleted)
                    try q.discardPieces(file: id, storedToo: true)
                }
                throw EngineError.unavailable(
                    "segment \(entry.segment) can have only \(reachable) of \(n) pieces stored, \(redundancy.successThreshold) needed: too few storage hosts take pieces now; the upload failed and its pieces will be collected, put the file again")
            }
        }
        if !moves.isEmpty {
            try await store.write { [self, moves] q in
                guard try owned(id, by: host, q).state == StoredFileRecord.uploading else {
                    throw EngineError.wrongState("file \(id) is no longer uploading")
                }
                for move in moves {
                    guard try q.movePlannedPiece(file: id, segment: move.segment, index: move.index, from: move.from, to: move.to) else {
                        throw EngineError.wrongState("piece \(move.segment).\(move.index) of file \(id) was placed again meanwhile; ask again")
                    }
                }
            }
        }
        // The orders end when the plan's do: an upload's pieces are collected once those expire, and an order
        // outliving them would let a client store pieces after that, which nothing would collect.
        return layout(file, hosts: hosts, placement: placement,
                      digests: Array(repeating: Array(repeating: nil, count: n), count: file.segments),
                      actions: [.put], onlyPlaced: true, expires: file.createdAt + policy.orderLifetime)
    }

    /// Throws unless every segment is listed at most once and in range, with `pieces` digests each (nil or SHA-256
    /// hex), and the unreachable hosts are within their limit.
    static func check(_ request: RefillRequest, segments: Int, pieces: Int) throws {
        guard request.unreachable.count <= RefillRequest.unreachableLimit else {
            throw EngineError.invalid("unreachable names at most \(RefillRequest.unreachableLimit) hosts")
        }
        guard request.segments.count <= segments, Set(request.segments.map(\.segment)).count == request.segments.count,
            request.segments.allSatisfy({ (0..<segments).contains($0.segment) })
        else { throw EngineError.invalid("segments must list distinct segments of the file's \(segments)") }
        guard request.segments.allSatisfy({ $0.digests.count == pieces }) else {
            throw EngineError.invalid("each segment must list \(pieces) digests")
        }
        try checkDigests(request.segments.map(\.digests))
    }
}
