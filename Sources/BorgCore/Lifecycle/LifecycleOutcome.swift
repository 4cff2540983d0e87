/// What a lifecycle transition asks the store to do beyond saving the new ``WorkUnitState``.
public struct LifecycleOutcome: Sendable, Equatable {
    /// New regular tasks to create (unsent).
    public var tasksToCreate = 0
    /// New backup tasks to create (unsent, `isBackup`).
    public var backupsToCreate = 0
    /// Tasks that were in progress and are now cancelled: their hosts must be told.
    public var cancelledInProgress: [TaskID] = []
    /// Tasks that became valid, with the credit each earned.
    public var validated: [CreditGrant] = []
    /// Tasks that became invalid.
    public var invalidated: [TaskID] = []
    /// The work unit left `active` in this transition.
    public var finished = false

    public init() {}
}

/// Credit earned by one valid task.
public struct CreditGrant: Sendable, Equatable {
    public let taskID: TaskID
    public let hostID: HostID?
    public let donorID: DonorID?
    public let credit: Double

    public init(taskID: TaskID, hostID: HostID?, donorID: DonorID?, credit: Double) {
        self.taskID = taskID
        self.hostID = hostID
        self.donorID = donorID
        self.credit = credit
    }
}
