import BorgCluster
import Foundation

extension ClusterNode {
    /// A change of roles made to keep the grid's voters at ``maxVoters``.
    struct VoterChange: Sendable, Equatable, CustomStringConvertible {
        /// The member made a voter.
        var promoted: UInt64
        /// The voter it replaced, now a spare; nil when a voter was simply missing.
        var demoted: UInt64?

        var description: String {
            demoted.map { "node \(promoted) now votes in place of node \($0), silent past the grace period (now a spare)" }
                ?? "node \(promoted) now votes (there were fewer voters than the grid keeps)"
        }
    }

    /// Keeps the voters at ``maxVoters`` (leader only), as LXD does with dqlite roles: a voter whose
    /// coordinator has not announced itself since `silentSince` is replaced by a live standby (or spare),
    /// which is promoted first (Raft lets it vote once its log has caught up), then the silent one is demoted
    /// to spare; with fewer voters than ``maxVoters``, a live non-voter is promoted. One change per call.
    /// `seen` maps node IDs to when their coordinator last announced itself; `liveSince` is the cut-off for
    /// a candidate to count as live. Returns what changed, if anything.
    func keepVoters(seen: [UInt64: Double], liveSince: Double, silentSince: Double) throws -> VoterChange? {
        let members = try client.members()
        let voters = members.filter { $0.role == .voter }
        let candidates = members.filter { $0.role != .voter && (seen[$0.id] ?? -.infinity) >= liveSince }
            .sorted { ($0.role == .standby ? 0 : 1, $0.id) < ($1.role == .standby ? 0 : 1, $1.id) }
        guard let candidate = candidates.first else { return nil }
        if voters.count < maxVoters {
            try client.assign(id: candidate.id, role: .voter)
            return VoterChange(promoted: candidate.id, demoted: nil)
        }
        guard let silent = voters.first(where: { $0.id != id && (seen[$0.id] ?? -.infinity) < silentSince }) else { return nil }
        try client.assign(id: candidate.id, role: .voter)
        try client.assign(id: silent.id, role: .spare)
        return VoterChange(promoted: candidate.id, demoted: silent.id)
    }
}
