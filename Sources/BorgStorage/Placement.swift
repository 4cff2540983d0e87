/// Chooses hosts for pieces. The pieces of a segment go to distinct hosts, to hosts whose audits are in good
/// standing and to distinct donors where possible; among the hosts allowed, the one with most free space
/// first, counting what this plan has already put there.
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

    /// `count` more hosts for one segment whose hosts hold `holding` of its pieces each (as repair puts pieces
    /// back) and of which the hosts in `lostOn` lost one: hosts with no piece of it, held or lost, where there
    /// are enough; on a grid with fewer hosts than pieces, each piece to a host holding the fewest of them, so no
    /// host keeps more of a segment than it must (one host with three of a 4+2 segment's six pieces would make
    /// its loss the segment's). Nil if no host has room.
    public static func chooseMore(
        count: Int, pieceBytes: Int64, candidates: inout [StorageCandidate], holding: [Int64: Int], lostOn: Set<Int64> = [],
        preferringNot donors: Set<Int64>
    ) -> [Int64]? {
        if let distinct = choose(count: count, pieceBytes: pieceBytes, candidates: &candidates, avoidingHosts: Set(holding.keys).union(lostOn),
                                 preferringNot: donors) {
            return distinct
        }
        var holding = holding
        var chosen: [Int64] = []
        for _ in 0..<count {
            var host: Int64?
            for level in Set(candidates.map { holding[$0.host, default: 0] }).sorted() {
                let fuller = Set(candidates.map(\.host).filter { holding[$0, default: 0] > level })
                host = choose(count: 1, pieceBytes: pieceBytes, candidates: &candidates, avoidingHosts: fuller, preferringNot: donors)?.first
                if host != nil { break }
            }
            guard let host else { return nil }
            chosen.append(host)
            holding[host, default: 0] += 1
        }
        return chosen
    }

    /// `count` more hosts for one segment, none of them in `hosts` (which already hold its pieces), on donors
    /// not in `donors` where possible; takes a piece's bytes off each chosen candidate's free space. Nil, with
    /// `candidates` unchanged, if too few hosts have room.
    public static func choose(
        count: Int, pieceBytes: Int64, candidates: inout [StorageCandidate],
        avoidingHosts hosts: Set<Int64>, preferringNot donors: Set<Int64>
    ) -> [Int64]? {
        let chosen = pick(upTo: count, pieceBytes: pieceBytes, from: candidates, avoidingHosts: hosts, preferringNot: donors)
        guard chosen.count == count else { return nil }
        for i in chosen { candidates[i].freeBytes -= pieceBytes }
        return chosen.map { candidates[$0].host }
    }

    /// As ``choose(count:pieceBytes:candidates:avoidingHosts:preferringNot:)``, but as many hosts as have room when
    /// fewer than `count` do (the same first ones: each is the best of those left).
    public static func choose(
        upTo count: Int, pieceBytes: Int64, candidates: inout [StorageCandidate],
        avoidingHosts hosts: Set<Int64>, preferringNot donors: Set<Int64>
    ) -> [Int64] {
        let chosen = pick(upTo: count, pieceBytes: pieceBytes, from: candidates, avoidingHosts: hosts, preferringNot: donors)
        for i in chosen { candidates[i].freeBytes -= pieceBytes }
        return chosen.map { candidates[$0].host }
    }

    /// Indexes into `candidates` of at most `count` hosts, best first, none in `hosts`, each with room.
    private static func pick(
        upTo count: Int, pieceBytes: Int64, from candidates: [StorageCandidate],
        avoidingHosts hosts: Set<Int64>, preferringNot donors: Set<Int64>
    ) -> [Int] {
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
            guard let best else { break }
            chosen.append(best)
            usedHosts.insert(candidates[best].host)
            usedDonors.insert(candidates[best].donor)
        }
        return chosen
    }

    /// A host in good standing first, then a fresh donor, then more free space, then the lower host id (so
    /// plans are reproducible).
    private static func better(_ a: StorageCandidate, than b: StorageCandidate, usedDonors: Set<Int64>) -> Bool {
        if a.trusted != b.trusted { return a.trusted }
        let aFresh = !usedDonors.contains(a.donor)
        let bFresh = !usedDonors.contains(b.donor)
        if aFresh != bFresh { return aFresh }
        if a.freeBytes != b.freeBytes { return a.freeBytes > b.freeBytes }
        return a.host < b.host
    }
}
