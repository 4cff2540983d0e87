import Testing
@testable import BorgCore

@Suite struct AccountStandingTests {
    let host: HostID = 7
    let donor: DonorID = 3

    func validated(credit: Double) -> LifecycleOutcome {
        var outcome = LifecycleOutcome()
        outcome.validated = [CreditGrant(taskID: 1, hostID: host, donorID: donor, credit: credit)]
        return outcome
    }

    @Test func validCreditRaisesRACAndTrustOfHostAndDonor() {
        var standing = AccountStanding()
        standing.hosts[host] = HostStanding(consecutiveValid: 4)
        let changes = standing.apply(validated(credit: 10), invalidHosts: [], now: 86_400)
        guard case let .hostCredited(id, credit, rac, run) = changes.first else {
            Issue.record("expected the host credited first, got \(changes)")
            return
        }
        #expect(id == host && credit == 10 && run == 5)
        #expect(rac.value > 0 && rac == standing.hosts[host]?.rac)
        #expect(changes.contains(.donorCredited(donor, credit: 10, rac: standing.donors[donor] ?? RecentAverageCredit())))
        #expect(standing.donors[donor]?.value ?? 0 > 0)
    }

    @Test func anInvalidResultEndsTheHostsRun() {
        var standing = AccountStanding()
        standing.hosts[host] = HostStanding(consecutiveValid: 12)
        let changes = standing.apply(LifecycleOutcome(), invalidHosts: [host], now: 1)
        #expect(changes == [.hostInvalidated(host)])
        #expect(standing.hosts[host]?.consecutiveValid == 0)
    }

    @Test func creditGrantedLaterInATransactionBuildsOnTheEarlier() {
        var standing = AccountStanding()
        _ = standing.apply(validated(credit: 10), invalidHosts: [], now: 86_400)
        let afterOne = standing.hosts[host]?.rac.value ?? 0
        var loadedEarlier = AccountStanding()
        loadedEarlier.hosts[host] = HostStanding()
        standing.addMissing(from: loadedEarlier)
        _ = standing.apply(validated(credit: 10), invalidHosts: [], now: 86_400)
        #expect(standing.hosts[host]?.consecutiveValid == 2, "the value written earlier wins over the one loaded earlier")
        #expect((standing.hosts[host]?.rac.value ?? 0) > afterOne)
    }

    @Test func missingAccountsAreNamed() {
        let standing = AccountStanding()
        let missing = standing.missingAccounts(for: validated(credit: 1), invalidHosts: [9])
        #expect(missing.hosts == [host, 9] && missing.donors == [donor])
    }

    @Test func turnaroundIsAMovingAverage() {
        var standing = AccountStanding()
        #expect(standing.observeTurnaround(host: host, seconds: 10) == 10)
        #expect(standing.observeTurnaround(host: host, seconds: 20) == 13)
    }
}
