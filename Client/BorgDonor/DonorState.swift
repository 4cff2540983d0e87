import BorgCore
import Foundation

/// Everything the daemon must remember across crashes, kept in `state.json` (written atomically
/// after every change).
public struct DonorState: Codable, Sendable, Equatable {
    /// Tasks held, by id.
    public var tasks: [TaskID: LocalTask]
    /// Tasks this host reported and the coordinator accepted.
    public var reported: Int
    /// Of those, the ones that ended in an error.
    public var reportedErrors: Int
    /// CPU seconds of every reported task.
    public var cpuSeconds: Double

    public init() {
        tasks = [:]
        reported = 0
        reportedErrors = 0
        cpuSeconds = 0
    }

    /// Loads the state of `directory` (empty if there is none yet).
    public static func load(from directory: DataDirectory) throws -> DonorState {
        try AtomicFile.readJSON(DonorState.self, from: directory.state) ?? DonorState()
    }

    /// Saves the state atomically.
    public func save(to directory: DataDirectory) throws {
        try AtomicFile.writeJSON(self, to: directory.state)
    }

    /// Held tasks in one phase, oldest first.
    public func tasks(in phase: LocalTask.Phase) -> [LocalTask] {
        tasks.values.filter { $0.phase == phase }.sorted { $0.id < $1.id }
    }
}
