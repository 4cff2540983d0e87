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

    /// Keeps the task's donor from getting another task of the work unit: running, reported, or failed on
    /// the donor's machine. So a quorum always compares independent donors and one failing machine cannot
    /// use up a work unit's error budget; a donor whose task timed out or was abandoned (a crash, a
    /// restart, leaving) may take the work unit again, so a small grid cannot strand it.
    public var excludesDonor: Bool { self == .inProgress || self == .success || self == .error }

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
