import BorgCore
import BorgProtocol
import BorgStore

/// Donors' and hosts' contributions as the API and the dashboard show them: stored totals with recent
/// average credit decayed to now.
struct ContributionStatistics: Sendable {
    let store: Store
    /// Seconds since 1970, to decay RAC to now.
    let clock: @Sendable () -> Double

    /// Every donor, in rank order by total credit.
    func donors() async throws -> [DonorStats] {
        let now = clock()
        return try await store.read { q in try q.donorTotals() }.map {
            DonorStats(donorID: $0.id, name: $0.name, totalCredit: $0.totalCredit, rac: $0.rac.decayed(to: now), hosts: $0.hosts,
                tasks: TaskCounts(valid: $0.valid, invalid: $0.invalid, error: $0.errors, inProgress: $0.inProgress),
                cpuHours: $0.cpuSeconds / 3600, rank: $0.rank, team: $0.team)
        }
    }

    /// Every team, in rank order by its members' total credit.
    func teams() async throws -> [TeamStats] {
        let now = clock()
        let teams = try await store.read { q in try q.teamTotals() }
            .sorted { ($0.totalCredit, $1.id.rawValue) > ($1.totalCredit, $0.id.rawValue) }
        return teams.enumerated().map { i, team in
            TeamStats(teamID: team.id, name: team.name, description: team.description, members: team.members,
                      totalCredit: team.totalCredit, rac: team.memberRAC.reduce(0) { $0 + $1.decayed(to: now) }, rank: i + 1)
        }
    }

    /// Every host, one donor's, or the one with id `host`, by id.
    func hosts(donor: DonorID? = nil, host: HostID? = nil) async throws -> [HostStats] {
        let now = clock()
        return try await store.read { q in try q.hostTotals(donor: donor, host: host) }.map {
            HostStats(hostID: $0.id, donorID: $0.donorID, name: $0.name, totalCredit: $0.totalCredit, rac: $0.rac.decayed(to: now),
                tasks: TaskCounts(valid: $0.valid, invalid: $0.invalid, error: $0.errors, inProgress: $0.inProgress),
                cpuHours: $0.cpuSeconds / 3600, consecutiveValid: $0.consecutiveValid, lastContact: $0.lastContact, active: $0.active)
        }
    }
}
