/// Chooses hosts for pieces. The pieces of a segment go to distinct hosts, and to distinct donors where
/// possible; among the hosts allowed, the one with most free space first, counting what this plan has
/// already put there.
public enum Placement {
    /// For each segment, `redundancy.totalPieces` hosts: index i holds the host of piece i.
    ///
    /// Throws ``StorageError/notEnoughHosts(have:need:)`` if fewer than n candidates have room for a piece,
    /// and ``StorageError/noRoom(_:)`` if space runs out part way.
    public static func place(
        segments: Int, pieceBytes: Int64, redundancy: Redundancy, candidates: [StorageCandidate]
    ) throws -> [[Int64]] {
        let n = redundancy.totalPieces
        let roomy = Set(candidates.filter { $0.freeBytes >= pieceBytes }.map(\.host))
        guard roomy.count >= n else { throw StorageError.notEnoughHosts(have: roomy.count, need: n) }
        var candidates = candidates
        return try (0..<segments).map { segment in
            guard
                let hosts = choose(
                    count: n, pieceBytes: pieceBytes, candidates: &candidates, avoidingHosts: [], preferringNot: [])
            else {
                throw StorageError.noRoom(
                    "the storage hosts are full after \(segment) of \(segments) segments at \(redundancy); free space or add hosts")
            }
            return hosts
        }
    }

    /// `count` more hosts for one segment, none of them in `hosts` (which already hold its pieces), on donors
    /// not in `donors` where possible; takes a piece's bytes off each chosen candidate's free space. Nil, with
    /// `candidates` unchanged, if too few hosts have room.
    public static func choose(
        count: Int, pieceBytes: Int64, candidates: inout [StorageCandidate],
        avoidingHosts hosts: Set<Int64>, preferringNot donors: Set<Int64>
    ) -> [Int64]? {
        var usedHosts = hosts
        var usedDonors = donors
        var chosen: [Int] = []
        while chosen.count < count {
            var best: Int?
            for (i, candidate) in candidates.enumerated()
            where candidate.freeBytes >= pieceBytes && !usedHosts.contains(candidate.host) {
                guard let current = best else {
                    best = i
                    continue
                }
                if better(candidate, than: candidates[current], usedDonors: usedDonors) { best = i }
            }
            guard let best else { return nil }
            chosen.append(best)
            usedHosts.insert(candidates[best].host)
            usedDonors.insert(candidates[best].donor)
        }
        for i in chosen { candidates[i].freeBytes -= pieceBytes }
        return chosen.map { candidates[$0].host }
    }

    /// A fresh donor first, then more free space, then the lower host id (so plans are reproducible).
    private static func better(_ a: StorageCandidate, than b: StorageCandidate, usedDonors: Set<Int64>) -> Bool {
        let aFresh = !usedDonors.contains(a.donor)
        let bFresh = !usedDonors.contains(b.donor)
        if aFresh != bFresh { return aFresh }
        if a.freeBytes != b.freeBytes { return a.freeBytes > b.freeBytes }
        return a.host < b.host
    }
}
