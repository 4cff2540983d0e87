/// What the credit and trust rules know of the hosts and donors a transaction touches: recent average
/// credit, a host's expected turnaround and its run of valid results. Loaded with the work units of a
/// request and carried through its transaction, so each rule sees the values written before it.
public struct AccountStanding: Sendable, Equatable {
    public var hosts: [HostID: HostStanding] = [:]
    public var donors: [DonorID: RecentAverageCredit] = [:]

    public init() {}

    /// Takes `other`'s values for the accounts this standing does not know yet: values already here were
    /// written later in the transaction than `other` was loaded.
    public mutating func addMissing(from other: AccountStanding) {
        hosts.merge(other.hosts) { mine, _ in mine }
        donors.merge(other.donors) { mine, _ in mine }
    }

    /// The accounts `outcome` credits or judges that this standing does not know.
    public func missingAccounts(for outcome: LifecycleOutcome, invalidHosts: [HostID]) -> (hosts: [HostID], donors: [DonorID]) {
        let hostIDs = Set(outcome.validated.compactMap(\.hostID) + invalidHosts).filter { hosts[$0] == nil }
        let donorIDs = Set(outcome.validated.compactMap(\.donorID)).filter { donors[$0] == nil }
        return (hostIDs.sorted(), donorIDs.sorted())
    }

    /// Applies a validation: each valid task's credit goes to its host and donor (total and RAC) and
    /// lengthens the host's run of valid results; an invalid task ends its host's run. Returns the
    /// changes for the store to write; accounts missing from the standing start from zero.
    public mutating func apply(_ outcome: LifecycleOutcome, invalidHosts: [HostID], now: Double) -> [AccountChange] {
        var changes: [AccountChange] = []
        for grant in outcome.validated {
            if let id = grant.hostID {
                var host = hosts[id] ?? HostStanding()
                host.rac.add(grant.credit, now: now)
                host.consecutiveValid += 1
                hosts[id] = host
                changes.append(.hostCredited(id, credit: grant.credit, rac: host.rac, consecutiveValid: host.consecutiveValid))
            }
            if let id = grant.donorID {
                var rac = donors[id] ?? RecentAverageCredit()
                rac.add(grant.credit, now: now)
                donors[id] = rac
                changes.append(.donorCredited(id, credit: grant.credit, rac: rac))
            }
        }
        for id in invalidHosts {
            hosts[id, default: HostStanding()].consecutiveValid = 0
            changes.append(.hostInvalidated(id))
        }
        return changes
    }

    /// Records a successful task that took `seconds` from sending to report in its host's expected
    /// turnaround (``HostTurnaround``); returns the new expectation.
    public mutating func observeTurnaround(host id: HostID, seconds: Double) -> Double {
        let turnaround = HostTurnaround.updated(hosts[id]?.turnaround, sample: seconds)
        hosts[id, default: HostStanding()].turnaround = turnaround
        return turnaround
    }
}

/// One host's standing.
public struct HostStanding: Sendable, Equatable {
    public var rac: RecentAverageCredit
    /// Expected seconds from sending a task to its report; `nil` until the first success.
    public var turnaround: Double?
    /// Valid results in a row (adaptive replication trusts a long run).
    public var consecutiveValid: Int

    public init(rac: RecentAverageCredit = RecentAverageCredit(), turnaround: Double? = nil, consecutiveValid: Int = 0) {
        self.rac = rac
        self.turnaround = turnaround
        self.consecutiveValid = consecutiveValid
    }
}

/// A change to an account the store must write after a validation.
public enum AccountChange: Sendable, Equatable {
    /// A valid task's host: credit added to its total, its new RAC and run of valid results.
    case hostCredited(HostID, credit: Double, rac: RecentAverageCredit, consecutiveValid: Int)
    /// A valid task's donor: credit added to its total, its new RAC.
    case donorCredited(DonorID, credit: Double, rac: RecentAverageCredit)
    /// An invalid task's host: one more invalid result, its run of valid results ended.
    case hostInvalidated(HostID)
}
