import Testing
@testable import BorgCore

@Suite struct AccountStandingTests {
    let host: HostID = 7
    let donor: DonorID = 3
    let project: ProjectID = 5

    func validated(credit: Double) -> LifecycleOutcome {
        var outcome = LifecycleOutcome()
        outcome.validated = [CreditGrant(taskID: 1, hostID: host, donorID: donor, credit: credit)]
        return outcome
    }

    @Test func validCreditRaisesRACAndTrustOfHostAndDonor() {
        var standing = AccountStanding()
        standing.hosts[host] = HostStanding(consecutiveValid: 4)
        standing.apply(validated(credit: 10), invalidHosts: [], quorum: 2, project: project, now: 86_400)
        let rac = standing.hosts[host]?.rac ?? RecentAverageCredit()
        #expect(rac.value > 0)
        let changes = standing.takeChanges()
        #expect(changes == [
            .host(host, creditAdded: 10, validAdded: 1, invalidAdded: 0, rac: rac, consecutiveValid: 5),
            .donor(donor, creditAdded: 10, rac: standing.donors[donor] ?? RecentAverageCredit()),
            .trust(HostProject(host: host, project: project), consecutiveValid: 1),
        ])
        #expect(standing.donors[donor]?.value ?? 0 > 0)
        #expect(standing.takeChanges().isEmpty, "changes are taken once")
    }

    @Test func aTransactionWritesEachAccountOnce() {
        var standing = AccountStanding()
        for _ in 0..<16 { standing.apply(validated(credit: 2), invalidHosts: [], quorum: 2, project: project, now: 86_400) }
        let changes = standing.takeChanges()
        #expect(changes.count == 3)
        guard case let .host(_, credit, valid, invalid, _, run) = changes.first else {
            Issue.record("expected the host's change first, got \(changes)")
            return
        }
        #expect(credit == 32 && valid == 16 && invalid == 0 && run == 16)
    }

    @Test func anInvalidResultEndsTheHostsRun() {
        var standing = AccountStanding()
        standing.hosts[host] = HostStanding(consecutiveValid: 12)
        standing.apply(LifecycleOutcome(), invalidHosts: [host], quorum: 2, project: project, now: 1)
        #expect(standing.takeChanges() == [
            .host(host, creditAdded: 0, validAdded: 0, invalidAdded: 1, rac: RecentAverageCredit(), consecutiveValid: 0),
            .trust(HostProject(host: host, project: project), consecutiveValid: 0),
        ])
        #expect(standing.hosts[host]?.consecutiveValid == 0)
    }

    @Test func creditGrantedLaterInATransactionBuildsOnTheEarlier() {
        var standing = AccountStanding()
        standing.apply(validated(credit: 10), invalidHosts: [], quorum: 2, project: project, now: 86_400)
        let afterOne = standing.hosts[host]?.rac.value ?? 0
        var loadedEarlier = AccountStanding()
        loadedEarlier.hosts[host] = HostStanding()
        standing.addMissing(from: loadedEarlier)
        standing.apply(validated(credit: 10), invalidHosts: [], quorum: 2, project: project, now: 86_400)
        #expect(standing.hosts[host]?.consecutiveValid == 2, "the value written earlier wins over the one loaded earlier")
        #expect((standing.hosts[host]?.rac.value ?? 0) > afterOne)
    }

    @Test func trustGrowsOnlyFromAQuorumOfTwoOrMoreAndPerProject() {
        var standing = AccountStanding()
        let other: ProjectID = 6
        for _ in 0..<3 { standing.apply(validated(credit: 1), invalidHosts: [], quorum: 1, project: project, now: 1) }
        #expect(standing.trust[HostProject(host: host, project: project)] == nil, "results that stood alone earn no trust")
        #expect(standing.hosts[host]?.consecutiveValid == 0)
        #expect(standing.hosts[host]?.rac.value ?? 0 > 0, "they are still credited")
        for _ in 0..<3 { standing.apply(validated(credit: 1), invalidHosts: [], quorum: 2, project: project, now: 1) }
        standing.apply(validated(credit: 1), invalidHosts: [], quorum: 3, project: other, now: 1)
        #expect(standing.trust[HostProject(host: host, project: project)] == 3)
        #expect(standing.trust[HostProject(host: host, project: other)] == 1)
        standing.apply(LifecycleOutcome(), invalidHosts: [host], quorum: 2, project: other, now: 1)
        #expect(standing.trust[HostProject(host: host, project: other)] == 0)
        #expect(standing.trust[HostProject(host: host, project: project)] == 3, "an invalid result in one project leaves the other's trust")
    }

    @Test func missingAccountsAreNamed() {
        let standing = AccountStanding()
        let missing = standing.missingAccounts(for: validated(credit: 1), invalidHosts: [9], project: project)
        #expect(missing.hosts == [host, 9] && missing.donors == [donor])
    }

    @Test func turnaroundIsAMovingAverage() {
        var standing = AccountStanding()
        #expect(standing.observeTurnaround(host: host, seconds: 10) == 10)
        #expect(standing.observeTurnaround(host: host, seconds: 20) == 13)
    }
}
