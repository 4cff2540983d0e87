import BorgCore
import BorgProtocol
import BorgStore
import Foundation

/// Applies the work-unit lifecycle (``WorkUnitLifecycle``) to the store: dispatch, reports, abandons,
/// deadlines, backups and cancels. Every transition is one group-committed write.
final class LifecycleEngine: Sendable {
    let store: Store
    let queue: ReadyQueue
    let catalog: ProjectCatalog
    let metrics: CoordinatorMetrics
    let stragglers: StragglerPolicy
    let clock: @Sendable () -> Double

    init(store: Store, queue: ReadyQueue, catalog: ProjectCatalog, metrics: CoordinatorMetrics,
         stragglers: StragglerPolicy, clock: @escaping @Sendable () -> Double)
    {
        self.store = store
        self.queue = queue
        self.catalog = catalog
        self.metrics = metrics
        self.stragglers = stragglers
        self.clock = clock
    }

    /// Reloads the project catalog and rebuilds the ready queues from the store.
    func reload() async throws {
        let (projects, unsent) = try await store.read { q in (try q.projects(), try q.unsentTasks()) }
        catalog.replace(with: projects)
        queue.rebuild(from: unsent)
        metrics.queueDepth.set(Double(queue.depth))
    }

    /// The lifecycle rules for a work unit's batch.
    func lifecycle(for record: WorkUnitRecord, _ q: StoreQueries) throws -> WorkUnitLifecycle {
        let policy = try catalog.policy(batch: record.batchID) { try q.batch(record.batchID)?.policy }
        guard let policy else { throw StoreError(.notFound, "batch \(record.batchID) does not exist") }
        return WorkUnitLifecycle(policy: policy)
    }

    /// Reads output contents for fuzzy validation, inside a transaction.
    func loader(_ q: StoreQueries) -> (FileDigest) -> [UInt8]? {
        let blobs = store.blobs
        return { file in
            if let data = blobs.read(file.sha256) { return [UInt8](data) }
            return (try? q.blob(file.sha256)).flatMap { $0.map { [UInt8]($0) } }
        }
    }

    /// Saves a transition and everything that follows from it (credit, trust); returns new unsent tasks.
    /// `standing` carries the accounts' standing through a transaction: it takes the record's values it
    /// does not have yet (its own were written later), and credit granted here updates it.
    func commit(_ record: WorkUnitRecord, from old: WorkUnitState, _ outcome: LifecycleOutcome, _ q: StoreQueries, now: Double,
                standing: inout AccountStanding) throws -> [UnsentTask]
    {
        standing.addMissing(from: record.standing)
        let created = try q.save(record, from: old, outcome: outcome, now: now)
        if !outcome.validated.isEmpty || !outcome.invalidated.isEmpty {
            let invalidHosts = outcome.invalidated.compactMap { id in record.state.tasks.first { $0.id == id }?.hostID }
            try q.applyValidation(outcome, invalidHosts: invalidHosts, standing: &standing, now: now)
        }
        return created
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
                    let rules = try self.lifecycle(for: record, q)
                    let outcome = body(rules, &record.state, now, self.loader(q))
                    guard record.state != old || outcome != LifecycleOutcome() else { continue }
                    created += try self.commit(record, from: old, outcome, q, now: now, standing: &standing)
                    outcomes.append(outcome)
                }
                return (created, outcomes)
            }
            published(created, outcomes: outcomes)
        }
    }
}
