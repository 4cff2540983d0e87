import BorgCore
import BorgProtocol

/// One task this host holds, from assignment until the coordinator has its report.
public struct LocalTask: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable, CaseIterable {
        /// Assigned; its files may still be missing. Started when a slot is free.
        case waiting
        /// Its `borg-sandbox` process group is running (or was, before a crash).
        case running
        /// Ended; the report waits to be sent. Outputs stay in the task directory until then.
        case finished
    }

    public var assignment: TaskAssignment
    public var phase: Phase
    /// The process group of the current run, so that a restarted client can end an orphan.
    public var processGroup: Int32?
    /// How many runs were started (more than one: resumed after a restart).
    public var runs: Int
    /// CPU seconds of all runs.
    public var cpuSeconds: Double
    /// WebAssembly fuel of all runs.
    public var fuel: Double
    /// Why the task failed, once finished; `nil` for success.
    public var errorMessage: String?

    public init(assignment: TaskAssignment) {
        self.assignment = assignment
        phase = .waiting
        runs = 0
        cpuSeconds = 0
        fuel = 0
    }

    public var id: TaskID { assignment.taskID }
}
