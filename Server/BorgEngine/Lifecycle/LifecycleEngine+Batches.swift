import BorgCore
import BorgProtocol
import BorgStore
import Foundation

extension LifecycleEngine {
    /// Creates a batch of work units from inputs already uploaded as blobs, and queues its tasks. With an
    /// `idempotencyKey` seen before (for this project), returns the batch created then and creates nothing.
    public func createBatch(_ request: CreateBatchRequest, project: ProjectRecord, idempotencyKey: String? = nil) async throws
        -> CreateBatchResponse
    {
        let policy: ProjectPolicy
        do {
            policy = try (request.policy ?? PolicyOverride()).applied(to: project.policy)
        } catch {
            throw EngineError.invalid("invalid policy override: \(error.reason)")
        }
        guard !request.workUnits.isEmpty else { throw EngineError.invalid("a batch needs at least one work unit") }
        // One write creates the whole batch: bounded, so that it holds the writer for a moment only.
        guard request.workUnits.count * policy.replication <= APILimits.maxTasksPerBatch else {
            throw EngineError.invalid(
                "a batch may create at most \(APILimits.maxTasksPerBatch) tasks (work units × replication \(policy.replication)); "
                    + "submit \(request.workUnits.count) work units as several batches ('borg-submit batch submit' splits them)")
        }
        var names = Set<String>()
        var sizes: [String: Int64] = [:]
        for wu in request.workUnits {
            guard Naming.isValid(wu.name) else { throw EngineError.invalid("work unit name '\(wu.name.prefix(80))' \(Naming.rule)") }
            guard names.insert(wu.name).inserted else { throw EngineError.invalid("work unit name '\(wu.name)' appears twice") }
            guard wu.inputs.count <= APILimits.maxInputsPerWorkUnit else {
                throw EngineError.invalid("work unit '\(wu.name)' has \(wu.inputs.count) inputs; at most \(APILimits.maxInputsPerWorkUnit)")
            }
            var inputNames = Set<String>()
            for input in wu.inputs {
                guard Naming.isValid(input.name), inputNames.insert(input.name).inserted else {
                    throw EngineError.invalid("input name '\(input.name.prefix(80))' of work unit '\(wu.name)' \(Naming.rule) and be unique")
                }
                guard input.size >= 0 else {
                    throw EngineError.invalid("input '\(input.name)' of work unit '\(wu.name)' has a negative size")
                }
                guard input.size <= policy.maxInputBytes else {
                    throw EngineError.tooLarge(
                        "input '\(input.name)' of work unit '\(wu.name)' is \(input.size) bytes; the project allows \(policy.maxInputBytes)")
                }
                if sizes[input.sha256] == nil { sizes[input.sha256] = try await store.blobSize(input.sha256) }
                guard let actual = sizes[input.sha256] else {
                    throw EngineError.invalid(
                        "input '\(input.name)' of work unit '\(wu.name)' (\(input.sha256.prefix(12))…) is not uploaded; upload it first")
                }
                guard actual == input.size else {
                    throw EngineError.invalid(
                        "input '\(input.name)' of work unit '\(wu.name)' says \(input.size) bytes, but its blob has \(actual)")
                }
            }
        }
        let now = clock()
        let units = request.workUnits.map { (name: $0.name, inputs: $0.inputs) }
        let key = idempotencyKey.map { "batch/\(project.id)/\($0)" }
        let (response, tasks) = try await store.write { q -> (CreateBatchResponse, [UnsentTask]) in
            var tasks: [UnsentTask] = []
            let response = try q.once(key: key, now: now) {
                let (batchID, created) = try q.createBatch(project: project, policy: policy, workUnits: units, now: now)
                tasks = created
                return CreateBatchResponse(batchID: batchID, workUnits: units.count)
            }
            return (response, tasks)
        }
        queue.push(tasks)
        metrics.queueDepth.set(Double(queue.depth))
        return response
    }

    /// Cancels every active work unit of a batch; hosts running its tasks are told.
    public func cancelBatch(_ id: BatchID) async throws {
        let active = try await store.write { q in
            try q.markBatchCancelled(id)
            return try q.activeWorkUnits(batch: id)
        }
        try await transition(active) { rules, wu, _, _ in rules.cancel(&wu) }
    }

    /// Progress of a batch.
    public func status(of batch: BatchRecord, _ q: StoreQueries) throws -> BatchStatus {
        Self.status(of: batch, tasksInProgress: try q.tasksInProgress(batch: batch.id))
    }

    /// Progress of many batches, with one count of the running tasks for all.
    public func statuses(of batches: [BatchRecord], _ q: StoreQueries) throws -> [BatchStatus] {
        guard !batches.isEmpty else { return [] }
        let running = try q.tasksInProgressByBatch()
        return batches.map { Self.status(of: $0, tasksInProgress: running[$0.id] ?? 0) }
    }

    static func status(of batch: BatchRecord, tasksInProgress: Int) -> BatchStatus {
        BatchStatus(
            id: batch.id, project: batch.projectName, state: BatchStatus.State(rawValue: batch.state) ?? .active,
            workUnits: batch.workUnits, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled,
            tasksInProgress: tasksInProgress, createdAt: batch.createdAt, finishedAt: batch.finishedAt,
            collectedAt: batch.collectedAt, purgedAt: batch.purgedAt)
    }
}
