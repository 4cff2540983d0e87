import BorgCore
import BorgProtocol
import BorgSandbox
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The tasks this host holds and its local totals (a ``DonorState``), kept in `state.json`: every change
/// is saved at once, atomically, so that a killed daemon finds each task where it was.
public struct TaskBook: Sendable {
    /// The data directory of `state.json` and of the task directories.
    public let directory: DataDirectory
    /// The held tasks and the totals, as last saved.
    public private(set) var state: DonorState

    /// Loads the book of `directory` (empty when it has none yet).
    public init(directory: DataDirectory) throws {
        self.directory = directory
        state = try DonorState.load(from: directory)
    }

    /// The held task `id`, if any.
    public subscript(id: TaskID) -> LocalTask? { state.tasks[id] }

    /// How many tasks are held.
    public var count: Int { state.tasks.count }

    /// The ids of every held task.
    public var heldIDs: [TaskID] { Array(state.tasks.keys) }

    /// Held tasks in one phase, oldest first.
    public func tasks(in phase: LocalTask.Phase) -> [LocalTask] { state.tasks(in: phase) }

    /// Holds new assignments, each waiting to run.
    public mutating func admit(_ assignments: [TaskAssignment]) throws {
        for assignment in assignments { state.tasks[assignment.taskID] = LocalTask(assignment: assignment) }
        try save()
    }

    /// Puts tasks whose runs a stopped daemon left behind back to waiting; they run again in their
    /// task directories (resuming from their checkpoints).
    public mutating func requeue(_ ids: [TaskID]) throws {
        for id in ids {
            state.tasks[id]?.phase = .waiting
            state.tasks[id]?.processGroup = nil
        }
        try save()
    }

    /// Records that `task`'s next run started in process group `group`; returns the task as held now.
    public mutating func markStarted(_ task: LocalTask, processGroup group: Int32) throws -> LocalTask {
        var started = task
        started.phase = .running
        started.processGroup = group
        started.runs += 1
        state.tasks[task.id] = started
        try save()
        return started
    }

    /// Adds an ended run's CPU time and fuel to its task. A run that ended by itself finishes the task
    /// (with the run's error, if any); an `interrupted` one (the daemon is stopping) leaves it waiting
    /// to run again. Returns the task as held now; `nil` if it is not held.
    public mutating func record(_ run: FinishedRun, interrupted: Bool) throws -> LocalTask? {
        guard var task = state.tasks[run.taskID] else { return nil }
        task.cpuSeconds += run.result.cpuSeconds
        task.fuel += Double(run.result.fuelUsed ?? 0)
        task.processGroup = nil
        if interrupted {
            task.phase = .waiting
        } else {
            task.phase = .finished
            if let message = run.errorMessage { task.errorMessage = message }
        }
        state.tasks[run.taskID] = task
        try save()
        return task
    }

    /// Finishes `id` as failed with `message` without running it; it is reported as an error.
    public mutating func fail(_ id: TaskID, _ message: String) throws {
        guard state.tasks[id] != nil else { return }
        state.tasks[id]?.phase = .finished
        state.tasks[id]?.errorMessage = message
        try save()
    }

    /// Forgets `id` and deletes its files (even when saving fails), however an app nested them. With
    /// `reported`, the coordinator accepted its report: its CPU time (and error) count in the totals.
    public mutating func discard(_ id: TaskID, reported: Bool = false) throws {
        if reported, let task = state.tasks[id] {
            state.reported += 1
            state.cpuSeconds += task.cpuSeconds
            if task.errorMessage != nil { state.reportedErrors += 1 }
        }
        state.tasks[id] = nil
        defer {
            try? DirectoryTree.remove(directory.taskDirectory(id).path)
            unlink(directory.taskDirectory(id).path + ".result.json")
        }
        try save()
    }

    private func save() throws {
        try state.save(to: directory)
    }
}
