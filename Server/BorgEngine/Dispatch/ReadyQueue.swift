import BorgCore
import BorgStore
import DequeModule
import Foundation

/// Unsent tasks per project, in the order they should go out (BOINC's feeder, in memory).
///
/// The store stays the truth: the queue is rebuilt from it on start, and an entry whose task is no longer
/// unsent when popped is simply dropped by the dispatcher.
final class ReadyQueue: @unchecked Sendable {
    struct Entry: Sendable, Equatable {
        let taskID: TaskID
        let workUnitID: WorkUnitID
    }

    private let lock = NSLock()
    private var queues: [ProjectID: Deque<Entry>] = [:]
    private var count = 0

    /// Appends tasks at the back of their projects' queues.
    func push(_ tasks: [UnsentTask]) {
        guard !tasks.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        for task in tasks {
            queues[task.projectID, default: []].append(Entry(taskID: task.taskID, workUnitID: task.workUnitID))
        }
        count += tasks.count
    }

    /// Puts entries a dispatcher could not use back at the front, in their order.
    func pushFront(_ entries: [Entry], project: ProjectID) {
        guard !entries.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        queues[project, default: []].prepend(contentsOf: entries)
        count += entries.count
    }

    /// Takes up to `limit` entries from the front of a project's queue.
    func pop(project: ProjectID, limit: Int) -> [Entry] {
        lock.lock()
        defer { lock.unlock() }
        guard var queue = queues[project], !queue.isEmpty else { return [] }
        queues[project] = nil  // keep the deque uniquely referenced while we mutate it
        let taken = Array(queue.prefix(limit))
        queue.removeFirst(taken.count)
        queues[project] = queue
        count -= taken.count
        return taken
    }

    /// Replaces the whole content (after start or failover).
    func rebuild(from tasks: [UnsentTask]) {
        lock.lock()
        queues = [:]
        count = 0
        lock.unlock()
        push(tasks)
    }

    /// Entries in all queues.
    var depth: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
