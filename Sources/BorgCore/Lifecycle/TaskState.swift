/// Where a task is in its life: unsent → in progress → one of the final states.
public enum TaskState: String, Codable, Sendable, CaseIterable {
    case unsent
    case inProgress = "in_progress"
    case success
    case error
    case timedOut = "timed_out"
    case abandoned
    case cancelled

    /// Still able to produce an output: unsent or in progress.
    public var isOutstanding: Bool { self == .unsent || self == .inProgress }

    /// Holds its donor's opinion on the work unit: running, or reported with an output. A donor may hold
    /// only one, so that a quorum always compares independent donors; a donor whose task errored, timed
    /// out or was abandoned may take the work unit again.
    public var holdsOpinion: Bool { self == .inProgress || self == .success }

    /// Counts against the work unit's `maxErrorTasks`.
    public var isError: Bool { self == .error || self == .timedOut }
}

/// What validation concluded about a successful task.
public enum ValidateState: String, Codable, Sendable, CaseIterable {
    /// Not compared yet (or not a success).
    case pending
    /// Agrees with the canonical output; credited.
    case valid
    /// Disagrees with the canonical output; never credited.
    case invalid
    /// Compared, but no quorum agreed yet; more tasks were issued.
    case inconclusive
}

/// Where a work unit is in its life.
public enum WorkUnitStatus: String, Codable, Sendable, CaseIterable {
    /// Tasks still running or to be issued.
    case active
    /// A canonical output was accepted.
    case completed
    /// Gave up: too many errors or no agreement within the task limit; `errorReason` says which.
    case failed
    /// Cancelled by its submitter.
    case cancelled
}
