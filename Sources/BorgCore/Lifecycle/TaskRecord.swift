/// One replica of a work unit, as the lifecycle rules see it.
public struct TaskRecord: Sendable, Equatable {
    public let id: TaskID
    public var hostID: HostID?
    public var donorID: DonorID?
    public var state: TaskState
    public var validateState: ValidateState
    /// Issued for a straggler or a batch tail, beyond the normal replication.
    public var isBackup: Bool
    public var sentAt: Double?
    public var deadline: Double?
    public var reportedAt: Double?
    public var outputs: [FileDigest]
    /// Work the host measured (e.g. WebAssembly fuel); 0 if not measured.
    public var measuredWork: Double
    /// Credit granted; non-zero only when valid.
    public var credit: Double

    public init(
        id: TaskID, hostID: HostID? = nil, donorID: DonorID? = nil, state: TaskState = .unsent,
        validateState: ValidateState = .pending, isBackup: Bool = false, sentAt: Double? = nil,
        deadline: Double? = nil, reportedAt: Double? = nil, outputs: [FileDigest] = [],
        measuredWork: Double = 0, credit: Double = 0
    ) {
        self.id = id
        self.hostID = hostID
        self.donorID = donorID
        self.state = state
        self.validateState = validateState
        self.isBackup = isBackup
        self.sentAt = sentAt
        self.deadline = deadline
        self.reportedAt = reportedAt
        self.outputs = outputs
        self.measuredWork = measuredWork
        self.credit = credit
    }
}
