@testable import BorgCore

/// Drives a ``WorkUnitLifecycle`` the way the store does: applies events and creates the tasks it asks for.
struct LifecycleHarness {
    let lifecycle: WorkUnitLifecycle
    var wu: WorkUnitState
    var nextTaskID: TaskID
    var now: Double = 1_000_000
    var outcomes: [LifecycleOutcome] = []

    init(policy: ProjectPolicy, trustedHosts: Set<HostID> = []) {
        lifecycle = WorkUnitLifecycle(policy: policy, trustedHosts: trustedHosts)
        let ids = (1...Int64(policy.replication)).map { TaskID($0) }
        wu = lifecycle.newWorkUnit(id: 1, taskIDs: ids)
        nextTaskID = TaskID(Int64(policy.replication) + 1)
    }

    /// Output of an honest host: the same for everyone.
    static let honest = [FileDigest(name: "out", sha256: "aa", size: 1)]
    /// Output of a lying host: unique per task, so liars never agree with anyone.
    static func lie(_ task: TaskID) -> [FileDigest] { [FileDigest(name: "out", sha256: "lie\(task)", size: 1)] }
    /// Output of a colluding host: the same lie as every other colluder's.
    static let collusion = [FileDigest(name: "out", sha256: "ring", size: 1)]

    mutating func apply(_ outcome: LifecycleOutcome) {
        outcomes.append(outcome)
        for _ in 0..<outcome.tasksToCreate { addTask(backup: false) }
        for _ in 0..<outcome.backupsToCreate { addTask(backup: true) }
    }

    mutating func addTask(backup: Bool) {
        wu.tasks.append(TaskRecord(id: nextTaskID, isBackup: backup))
        nextTaskID = TaskID(nextTaskID.rawValue + 1)
    }

    /// Sends the first unsent task to `donor` (host id = donor id); returns its id.
    @discardableResult
    mutating func dispatch(donor: DonorID, consecutiveValid: Int = 0, draw: Double = 0) throws(LifecycleError) -> TaskID? {
        guard let task = wu.tasks.first(where: { $0.state == .unsent }) else { return nil }
        try lifecycle.dispatch(task.id, to: HostID(donor.rawValue), donor: donor, in: &wu, now: now,
            consecutiveValid: consecutiveValid, draw: draw)
        return task.id
    }

    mutating func succeed(_ task: TaskID, outputs: [FileDigest] = honest) throws(LifecycleError) {
        now += 1
        let host = wu.tasks[wu.index(of: task)!].hostID!
        apply(try lifecycle.report(task, from: host, success: true, outputs: outputs, in: &wu, now: now))
    }

    mutating func fail(_ task: TaskID) throws(LifecycleError) {
        now += 1
        let host = wu.tasks[wu.index(of: task)!].hostID!
        apply(try lifecycle.report(task, from: host, success: false, in: &wu, now: now))
    }

    mutating func passDeadline() {
        now += lifecycle.policy.deadlineSeconds + 1
        apply(lifecycle.expireDeadlines(in: &wu, now: now))
    }

    func task(_ id: TaskID) -> TaskRecord { wu.tasks[wu.index(of: id)!] }
}
