/// A work unit and all its tasks: the value the lifecycle rules transform.
public struct WorkUnitState: Sendable, Equatable {
    public let id: WorkUnitID
    public var status: WorkUnitStatus
    /// Agreeing successes needed now: the policy's quorum, or 1 while a trusted host runs it alone.
    public var quorum: Int
    /// A trusted host was given this work unit alone (adaptive replication).
    public var runsAlone: Bool
    public var canonicalTaskID: TaskID?
    public var errorReason: String?
    /// Every task ever issued, in creation order.
    public var tasks: [TaskRecord]

    public init(
        id: WorkUnitID, status: WorkUnitStatus = .active, quorum: Int, runsAlone: Bool = false,
        canonicalTaskID: TaskID? = nil, errorReason: String? = nil, tasks: [TaskRecord] = []
    ) {
        self.id = id
        self.status = status
        self.quorum = quorum
        self.runsAlone = runsAlone
        self.canonicalTaskID = canonicalTaskID
        self.errorReason = errorReason
        self.tasks = tasks
    }

    /// Index of the task with this id.
    public func index(of taskID: TaskID) -> Int? { tasks.firstIndex { $0.id == taskID } }

    /// Tasks not yet finished: unsent or in progress.
    public var outstandingCount: Int { tasks.count { $0.state.isOutstanding } }
}
