import BorgCore

/// One work unit to create: a name and its input files (blobs uploaded first).
public struct WorkUnitSpec: Codable, Sendable, Equatable {
    public var name: String
    public var inputs: [FileRef]
    public init(name: String, inputs: [FileRef]) {
        self.name = name
        self.inputs = inputs
    }
}

/// `POST /v1/batches`.
public struct CreateBatchRequest: Codable, Sendable {
    public var project: String
    public var workUnits: [WorkUnitSpec]
    public var policy: PolicyOverride?

    public init(project: String, workUnits: [WorkUnitSpec], policy: PolicyOverride? = nil) {
        self.project = project
        self.workUnits = workUnits
        self.policy = policy
    }
}

public struct CreateBatchResponse: Codable, Sendable {
    public var batchID: BatchID
    public var workUnits: Int
    public init(batchID: BatchID, workUnits: Int) {
        self.batchID = batchID
        self.workUnits = workUnits
    }
}

/// `GET /v1/batches/{id}`: progress of a batch.
public struct BatchStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable { case active, completed, cancelled }

    public var id: BatchID
    public var project: String
    public var state: State
    public var workUnits: Int
    /// Work units with a canonical output.
    public var completed: Int
    /// Work units that gave up (too many errors, no agreement).
    public var failed: Int
    public var cancelled: Int
    /// Tasks running on hosts now.
    public var tasksInProgress: Int
    public var createdAt: Double
    public var finishedAt: Double?
    /// When the submitter collected the results; the coordinator purges the batch some time after.
    public var collectedAt: Double?
    /// When the work units, tasks and outputs were purged; the counts above remain.
    public var purgedAt: Double?

    /// Work units not yet ended.
    public var outstanding: Int { workUnits - completed - failed - cancelled }

    public init(
        id: BatchID, project: String, state: State, workUnits: Int, completed: Int, failed: Int, cancelled: Int,
        tasksInProgress: Int, createdAt: Double, finishedAt: Double?, collectedAt: Double? = nil, purgedAt: Double? = nil
    ) {
        self.id = id
        self.project = project
        self.state = state
        self.workUnits = workUnits
        self.completed = completed
        self.failed = failed
        self.cancelled = cancelled
        self.tasksInProgress = tasksInProgress
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.collectedAt = collectedAt
        self.purgedAt = purgedAt
    }
}

/// The result of one work unit in `GET /v1/batches/{id}/results`.
public struct WorkUnitResult: Codable, Sendable, Equatable {
    public var workUnitID: WorkUnitID
    public var name: String
    public var status: WorkUnitStatus
    /// The canonical output's files; empty unless completed.
    public var outputs: [FileRef]
    /// Hosts whose outputs agreed with the canonical one (the canonical host first).
    public var agreeingHosts: [HostID]
    public var agreeingDonors: [DonorID]
    public var errorReason: String?

    public init(
        workUnitID: WorkUnitID, name: String, status: WorkUnitStatus, outputs: [FileRef], agreeingHosts: [HostID],
        agreeingDonors: [DonorID], errorReason: String?
    ) {
        self.workUnitID = workUnitID
        self.name = name
        self.status = status
        self.outputs = outputs
        self.agreeingHosts = agreeingHosts
        self.agreeingDonors = agreeingDonors
        self.errorReason = errorReason
    }
}

public struct BatchResults: Codable, Sendable {
    public var batch: BatchStatus
    public var workUnits: [WorkUnitResult]
    public init(batch: BatchStatus, workUnits: [WorkUnitResult]) {
        self.batch = batch
        self.workUnits = workUnits
    }
}
