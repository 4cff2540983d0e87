/// What the credit and trust rules know of the hosts and donors a transaction touches: recent average
/// credit, a host's expected turnaround, its run of valid results, and its trust in each project.
/// Loaded with the work units of a request and carried through its transaction, so each rule sees the
/// values written before it.
public struct AccountStanding: Sendable, Equatable {
    public var hosts: [HostID: HostStanding] = [:]
    public var donors: [DonorID: RecentAverageCredit] = [:]
    /// Valid results in a row per host and project, from validations by a quorum of two or more: what
    /// adaptive replication trusts.
    public var trust: [HostProject: Int] = [:]
    /// What ``apply(_:invalidHosts:quorum:project:now:)`` changed since ``takeChanges()`` last ran.
    private var pendingHosts: [HostID: PendingHost] = [:]
    private var pendingDonors: [DonorID: Double] = [:]
    private var pendingTrust: Set<HostProject> = []

    public init() {}

    /// Takes `other`'s values for the accounts this standing does not know yet: values already here were
    /// written later in the transaction than `other` was loaded.
    public mutating func addMissing(from other: AccountStanding) {
        hosts.merge(other.hosts) { mine, _ in mine }
        donors.merge(other.donors) { mine, _ in mine }
        trust.merge(other.trust) { mine, _ in mine }
    }

    /// The accounts `outcome` credits or judges that this standing does not know (a host's trust in
    /// `project` included).
    public func missingAccounts(for outcome: LifecycleOutcome, invalidHosts: [HostID], project: ProjectID)
        -> (hosts: [HostID], donors: [DonorID])
    {
        let judged = Set(outcome.validated.compactMap(\.hostID) + invalidHosts)
        let hostIDs = judged.filter { hosts[$0] == nil || trust[HostProject(host: $0, project: project)] == nil }
        let donorIDs = Set(outcome.validated.compactMap(\.donorID)).filter { donors[$0] == nil }
        return (hostIDs.sorted(), donorIDs.sorted())
    }

    /// Applies a validation of a work unit of `project` by a quorum of `quorum`: each valid task's credit
    /// goes to its host and donor (total and RAC); an invalid task ends its host's run of valid results and
    /// its trust in the project. Only a validation by two or more agreeing hosts lengthens a run: a result
    /// that stood alone proves nothing about its host. Accounts missing from the standing start from zero.
    /// The changes accumulate until ``takeChanges()``, so a transaction writes each account once.
    public mutating func apply(_ outcome: LifecycleOutcome, invalidHosts: [HostID], quorum: Int, project: ProjectID, now: Double) {
        let earnsTrust = quorum >= 2
        for grant in outcome.validated {
            if let id = grant.hostID {
                var host = hosts[id] ?? HostStanding()
                host.rac.add(grant.credit, now: now)
                if earnsTrust { host.consecutiveValid += 1 }
                hosts[id] = host
                pendingHosts[id, default: PendingHost()].add(credit: grant.credit)
                if earnsTrust { trust[HostProject(host: id, project: project), default: 0] += 1 }
                if earnsTrust { pendingTrust.insert(HostProject(host: id, project: project)) }
            }
            if let id = grant.donorID {
                var rac = donors[id] ?? RecentAverageCredit()
                rac.add(grant.credit, now: now)
                donors[id] = rac
                pendingDonors[id, default: 0] += grant.credit
            }
        }
        for id in invalidHosts {
            hosts[id, default: HostStanding()].consecutiveValid = 0
            pendingHosts[id, default: PendingHost()].invalid += 1
            let key = HostProject(host: id, project: project)
            trust[key] = 0
            pendingTrust.insert(key)
        }
    }

    /// The changes applied since the last call, one per account, for the store to write; forgets them.
    public mutating func takeChanges() -> [AccountChange] {
        var changes: [AccountChange] = []
        for (id, pending) in pendingHosts.sorted(by: { $0.key < $1.key }) {
            let host = hosts[id] ?? HostStanding()
            changes.append(.host(id, creditAdded: pending.credit, validAdded: pending.valid, invalidAdded: pending.invalid,
                                 rac: host.rac, consecutiveValid: host.consecutiveValid))
        }
        for (id, credit) in pendingDonors.sorted(by: { $0.key < $1.key }) {
            changes.append(.donor(id, creditAdded: credit, rac: donors[id] ?? RecentAverageCredit()))
        }
        for key in pendingTrust.sorted(by: { ($0.host, $0.project) < ($1.host, $1.project) }) {
            changes.append(.trust(key, consecutiveValid: trust[key] ?? 0))
        }
        pendingHosts = [:]
        pendingDonors = [:]
        pendingTrust = []
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

/// A host in one project: adaptive replication trusts hosts project by project.
public struct HostProject: Sendable, Hashable {
    public let host: HostID
    public let project: ProjectID

    public init(host: HostID, project: ProjectID) {
        self.host = host
        self.project = project
    }
}

/// What validations changed in one host's account, not yet written.
struct PendingHost: Sendable, Equatable {
    var credit = 0.0
    var valid = 0
    var invalid = 0

    mutating func add(credit: Double) {
        self.credit += credit
        valid += 1
    }
}

/// A change to one account for the store to write: sums to add, and the values that are now current.
public enum AccountChange: Sendable, Equatable {
    /// A host: credit and valid and invalid results to add; its RAC and run of valid results now.
    case host(HostID, creditAdded: Double, validAdded: Int, invalidAdded: Int, rac: RecentAverageCredit, consecutiveValid: Int)
    /// A donor: credit to add; its RAC now.
    case donor(DonorID, creditAdded: Double, rac: RecentAverageCredit)
    /// A host's trust in a project: its run of valid results there now.
    case trust(HostProject, consecutiveValid: Int)
}
