import BorgCore
import BorgStore
import Foundation

/// Applies the work-unit lifecycle (``WorkUnitLifecycle``) to the store: dispatch, reports, abandons,
/// deadlines, backups and cancels. Every transition is one group-committed write; BorgCore decides
/// (states, validation, credit, RAC, trust) and the store saves what it decided.
public final class LifecycleEngine: Sendable {
    public let store: Store
    public let metrics: CoordinatorMetrics
    let queue: ReadyQueue
    let catalog: ProjectCatalog
    let stragglers: StragglerPolicy
    /// Seconds since 1970 (tests may move time).
    public let clock: @Sendable () -> Double
    /// Seconds within which a report's output that the database already holds is not marked as stored
    /// again (``RetentionPolicy/blobRefreshInterval``).
    let blobRefreshInterval: Double

    public init(store: Store, metrics: CoordinatorMetrics, stragglers: StragglerPolicy, retention: RetentionPolicy = RetentionPolicy(),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 })
    {
        self.store = store
        self.queue = ReadyQueue()
        self.catalog = ProjectCatalog()
        self.metrics = metrics
        self.stragglers = stragglers
        self.blobRefreshInterval = retention.blobRefreshInterval
        self.clock = clock
    }

    /// Unsent tasks waiting in the ready queues.
    public var queueDepth: Int { queue.depth }

    /// Reloads the project catalog and rebuilds the ready queues from the store.
    public func reload() async throws {
        let (projects, unsent) = try await store.read { q in (try q.projects(), try q.unsentTasks()) }
        catalog.replace(with: projects)
        queue.rebuild(from: unsent)
        metrics.queueDepth.set(Double(queue.depth))
    }

    /// The lifecycle rules for a work unit's batch. With a collusion guard, they know which of the work
    /// unit's hosts are trusted in its project, by `standing` (the transaction's newer values) or the record.
    func lifecycle(for record: WorkUnitRecord, _ q: StoreQueries, standing: AccountStanding = AccountStanding()) throws
        -> WorkUnitLifecycle
    {
        let policy = try catalog.policy(batch: record.batchID) { try q.batch(record.batchID)?.policy }
        guard let policy else { throw EngineError.unknown("batch \(record.batchID) does not exist") }
        guard let collusionGuard = policy.collusionGuard else { return WorkUnitLifecycle(policy: policy) }
        let trusted = record.state.tasks.compactMap(\.hostID).filter { host in
            let key = HostProject(host: host, project: record.projectID)
            return collusionGuard.trusts(consecutiveValid: standing.trust[key] ?? record.standing.trust[key] ?? 0)
        }
        return WorkUnitLifecycle(policy: policy, trustedHosts: Set(trusted))
    }

    /// Reads output contents for fuzzy validation, inside a transaction.
    func loader(_ q: StoreQueries) -> (FileDigest) -> [UInt8]? {
        let blobs = store.blobs
        return { file in
            if let data = blobs.read(file.sha256) { return [UInt8](data) }
            return (try? q.blob(file.sha256)).flatMap { $0.map { [UInt8]($0) } }
        }
    }

    /// Saves a transition and applies the account changes that follow from it (credit, RAC, trust, decided
    /// by ``AccountStanding``) to `standing`, which carries the accounts through a transaction: it takes
    /// the record's values it does not have yet (its own are newer). The caller writes the accumulated
    /// changes once, at the end of its transaction (``saveAccounts(_:_:)``). Returns the new unsent tasks.
    func commit(_ record: WorkUnitRecord, from old: WorkUnitState, _ outcome: LifecycleOutcome, _ q: StoreQueries, now: Double,
                standing: inout AccountStanding) throws -> [UnsentTask]
    {
        standing.addMissing(from: record.standing)
        let created = try q.save(record, from: old, outcome: outcome, now: now)
        if !outcome.validated.isEmpty || !outcome.invalidated.isEmpty {
            let invalidHosts = outcome.invalidated.compactMap { id in record.state.tasks.first { $0.id == id }?.hostID }
            let project = record.projectID
            let missing = standing.missingAccounts(for: outcome, invalidHosts: invalidHosts, project: project)
            if !missing.hosts.isEmpty || !missing.donors.isEmpty {
                standing.addMissing(from: try q.standing(hosts: missing.hosts, donors: missing.donors, project: project))
            }
            standing.apply(outcome, invalidHosts: invalidHosts, quorum: record.state.quorum, project: project, now: now)
        }
        return created
    }

    /// Writes what a transaction's validations changed in the accounts: one row per account.
    func saveAccounts(_ standing: inout AccountStanding, _ q: StoreQueries) throws {
        try q.save(standing.takeChanges())
    }

    /// After a write committed: queue new tasks and count what happened.
    func published(_ created: [UnsentTask], outcomes: [LifecycleOutcome]) {
        queue.push(created)
        for outcome in outcomes {
            metrics.tasksValid.increment(by: Int64(outcome.validated.count))
            metrics.tasksInvalid.increment(by: Int64(outcome.invalidated.count))
            if outcome.finished { metrics.workUnitsFinished.increment() }
        }
        metrics.queueDepth.set(Double(queue.depth))
    }

    /// Applies `transition` to each work unit in `ids`, in writes of `chunk` work units.
    func transition(
        _ ids: [WorkUnitID], chunk: Int = 200,
        _ body: @escaping @Sendable (WorkUnitLifecycle, inout WorkUnitState, Double, (FileDigest) -> [UInt8]?) -> LifecycleOutcome
    ) async throws {
        for start in stride(from: 0, to: ids.count, by: chunk) {
            let slice = Array(ids[start..<min(ids.count, start + chunk)])
            let now = clock()
            let (created, outcomes) = try await store.write { q in
                var created: [UnsentTask] = []
                var outcomes: [LifecycleOutcome] = []
                var standing = AccountStanding()
                let records = try q.workUnits(slice)
                for id in slice {
                    guard var record = records[id] else { continue }
                    let old = record.state
                    let rules = try self.lifecycle(for: record, q, standing: standing)
                    let outcome = body(rules, &record.state, now, self.loader(q))
                    guard record.state != old || outcome != LifecycleOutcome() else { continue }
                    created += try self.commit(record, from: old, outcome, q, now: now, standing: &standing)
                    outcomes.append(outcome)
                }
                try self.saveAccounts(&standing, q)
                return (created, outcomes)
            }
            published(created, outcomes: outcomes)
        }
    }

    /// Records that a host was in touch; returns (and marks told) its cancelled tasks.
    static func contact(_ host: HostID, _ q: StoreQueries, now: Double) throws -> [TaskID] {
        try q.touchHost(host, now: now)
        return try q.takeCancellations(host: host)
    }

    /// A heartbeat: the host is alive; returns the cancelled tasks it has not been told about.
    public func heartbeat(host: HostRecord) async throws -> [TaskID] {
        let now = clock()
        return try await store.write { q in try Self.contact(host.id, q, now: now) }
    }
}
