import BorgCore
import Foundation

/// A work unit loaded for a lifecycle transition.
public struct WorkUnitRecord: Sendable, Equatable {
    public let batchID: BatchID
    public let projectID: ProjectID
    public let name: String
    public let inputs: [FileDigest]
    public var state: WorkUnitState
}

/// What the report path needs to know about a task before loading its work unit.
public struct TaskOwnership: Sendable, Equatable {
    public let taskID: TaskID
    public let workUnitID: WorkUnitID
    public let hostID: HostID?
    public let state: TaskState
    public let reportDigest: String?
}

extension StoreQueries {
    public func workUnit(_ id: WorkUnitID) throws -> WorkUnitRecord? {
        guard let row = try db.queryOne(
            """
            SELECT w.batch_id, b.project_id, w.name, w.inputs, w.status, w.quorum, w.runs_alone, w.canonical_task_id,
                   w.error_reason
            FROM work_unit w JOIN batch b ON b.id = w.batch_id WHERE w.id = ?
            """, .integer(id))
        else { return nil }
        let tasks = try db.query(
            """
            SELECT id, host_id, donor_id, state, validate_state, is_backup, sent_at, deadline, reported_at, outputs,
                   measured_work, credit
            FROM task WHERE wu_id = ? ORDER BY id
            """, .integer(id)
        ).map {
            TaskRecord(
                id: $0.int(0), hostID: $0.optionalInt(1), donorID: $0.optionalInt(2),
                state: TaskState(rawValue: $0.string(3)) ?? .error,
                validateState: ValidateState(rawValue: $0.string(4)) ?? .pending, isBackup: $0.bool(5),
                sentAt: $0.optionalDouble(6), deadline: $0.optionalDouble(7), reportedAt: $0.optionalDouble(8),
                outputs: FileListCoding.decode($0.string(9)), measuredWork: $0.double(10), credit: $0.double(11))
        }
        let state = WorkUnitState(
            id: id, status: WorkUnitStatus(rawValue: row.string(4)) ?? .active, quorum: Int(row.int(5)),
            runsAlone: row.bool(6), canonicalTaskID: row.optionalInt(7), errorReason: row.optionalString(8), tasks: tasks)
        return WorkUnitRecord(
            batchID: row.int(0), projectID: row.int(1), name: row.string(2),
            inputs: FileListCoding.decode(row.string(3)), state: state)
    }

    /// Writes what a transition changed, creates the tasks it asked for, and keeps the batch's counters.
    /// Returns the new unsent tasks for the ready queue.
    @discardableResult
    public func save(_ record: WorkUnitRecord, from old: WorkUnitState, outcome: LifecycleOutcome, now: Double) throws
        -> [UnsentTask]
    {
        let new = record.state
        let oldTasks = Dictionary(uniqueKeysWithValues: old.tasks.map { ($0.id, $0) })
        for task in new.tasks where oldTasks[task.id] != task {
            let wasRunning = oldTasks[task.id]?.state == .inProgress
            let tell = wasRunning && task.state == .cancelled
            try db.execute(
                """
                UPDATE task SET host_id = ?, donor_id = ?, state = ?, validate_state = ?, sent_at = ?, deadline = ?,
                reported_at = ?, outputs = ?, measured_work = ?, credit = ?, host_told = ? WHERE id = ?
                """,
                SQLValue(task.hostID), SQLValue(task.donorID), .text(task.state.rawValue), .text(task.validateState.rawValue),
                SQLValue(task.sentAt), SQLValue(task.deadline), SQLValue(task.reportedAt),
                .text(FileListCoding.encode(task.outputs)), .real(task.measuredWork), .real(task.credit),
                SQLValue(!tell), .integer(task.id))
        }
        if new.status != old.status || new.quorum != old.quorum || new.runsAlone != old.runsAlone
            || new.canonicalTaskID != old.canonicalTaskID || new.errorReason != old.errorReason
        {
            try db.execute(
                "UPDATE work_unit SET status = ?, quorum = ?, runs_alone = ?, canonical_task_id = ?, error_reason = ?, finished_at = ? WHERE id = ?",
                .text(new.status.rawValue), .integer(Int64(new.quorum)), SQLValue(new.runsAlone),
                SQLValue(new.canonicalTaskID), SQLValue(new.errorReason),
                new.status == .active ? .null : .real(now), .integer(new.id))
        }
        if old.status == .active && new.status != .active {
            try countFinishedWorkUnit(batch: record.batchID, status: new.status, now: now)
        }
        var created: [UnsentTask] = []
        for i in 0..<(outcome.tasksToCreate + outcome.backupsToCreate) {
            let id = try insertTask(workUnit: new.id, project: record.projectID, isBackup: i >= outcome.tasksToCreate)
            created.append(UnsentTask(taskID: id, workUnitID: new.id, projectID: record.projectID))
        }
        return created
    }

    private func countFinishedWorkUnit(batch: BatchID, status: WorkUnitStatus, now: Double) throws {
        let column = switch status {
        case .completed: "wu_completed"
        case .failed: "wu_failed"
        default: "wu_cancelled"
        }
        try db.execute("UPDATE batch SET \(column) = \(column) + 1 WHERE id = ?", .integer(batch))
        try db.execute(
            """
            UPDATE batch SET state = CASE WHEN state = 'cancelled' THEN 'cancelled' ELSE 'completed' END,
            finished_at = ? WHERE id = ? AND wu_completed + wu_failed + wu_cancelled = wu_total AND finished_at IS NULL
            """, .real(now), .integer(batch))
    }

    public func taskOwnership(_ id: TaskID) throws -> TaskOwnership? {
        try db.queryOne("SELECT id, wu_id, host_id, state, report_digest FROM task WHERE id = ?", .integer(id)).map {
            TaskOwnership(
                taskID: $0.int(0), workUnitID: $0.int(1), hostID: $0.optionalInt(2),
                state: TaskState(rawValue: $0.string(3)) ?? .error, reportDigest: $0.optionalString(4))
        }
    }

    /// Keeps what a report said beyond the lifecycle fields, and counts the host's CPU time and errors.
    public func recordReport(task: TaskID, host: HostID, digest: String, cpuSeconds: Double, errorMessage: String?) throws {
        try db.execute("UPDATE task SET report_digest = ?, cpu_seconds = ?, error_message = ? WHERE id = ?",
            .text(digest), .real(cpuSeconds), SQLValue(errorMessage), .integer(task))
        try db.execute(
            "UPDATE host SET cpu_seconds = cpu_seconds + ?, tasks_error = tasks_error + ? WHERE id = ?",
            .real(cpuSeconds), .integer(errorMessage == nil ? 0 : 1), .integer(host))
    }

    /// Updates the host's expected turnaround with a task that took `seconds`.
    public func recordTurnaround(host: HostID, seconds: Double) throws {
        let current = try db.queryOne("SELECT turnaround FROM host WHERE id = ?", .integer(host))?.optionalDouble(0)
        try db.execute("UPDATE host SET turnaround = ? WHERE id = ?",
            .real(HostTurnaround.updated(current, sample: seconds)), .integer(host))
    }

    /// Grants credit and trust for valid tasks, resets trust for invalid ones.
    public func applyValidation(_ outcome: LifecycleOutcome, invalidHosts: [HostID], now: Double) throws {
        for grant in outcome.validated {
            if let host = grant.hostID {
                try addCredit(table: "host", id: host, credit: grant.credit, now: now)
                try db.execute(
                    "UPDATE host SET consecutive_valid = consecutive_valid + 1, tasks_valid = tasks_valid + 1 WHERE id = ?",
                    .integer(host))
            }
            if let donor = grant.donorID { try addCredit(table: "donor", id: donor, credit: grant.credit, now: now) }
        }
        for host in invalidHosts {
            try db.execute("UPDATE host SET consecutive_valid = 0, tasks_invalid = tasks_invalid + 1 WHERE id = ?", .integer(host))
        }
    }

    private func addCredit(table: String, id: Int64, credit: Double, now: Double) throws {
        guard let row = try db.queryOne("SELECT rac, rac_time FROM \(table) WHERE id = ?", .integer(id)) else { return }
        var rac = RecentAverageCredit(value: row.double(0), time: row.double(1))
        rac.add(credit, now: now)
        try db.execute("UPDATE \(table) SET total_credit = total_credit + ?, rac = ?, rac_time = ? WHERE id = ?",
            .real(credit), .real(rac.value), .real(rac.time), .integer(id))
    }

    /// Work units with a running task whose deadline has passed.
    public func workUnitsPastDeadline(now: Double, limit: Int = 10_000) throws -> [WorkUnitID] {
        try db.query(
            "SELECT DISTINCT wu_id FROM task WHERE state = 'in_progress' AND deadline <= ? LIMIT ?",
            .real(now), .integer(Int64(limit))
        ).map { $0.int(0) }
    }

    /// Running tasks with their host's expected turnaround, for straggler detection.
    public func runningTasks() throws -> [(task: TaskID, workUnit: WorkUnitID, sentAt: Double, turnaround: Double?)] {
        try db.query(
            """
            SELECT t.id, t.wu_id, t.sent_at, h.turnaround FROM task t JOIN host h ON h.id = t.host_id
            WHERE t.state = 'in_progress'
            """
        ).map { ($0.int(0), $0.int(1), $0.double(2), $0.optionalDouble(3)) }
    }

    /// Active batches with their size and finished work units, for tail detection.
    public func activeBatches() throws -> [(id: BatchID, total: Int, finished: Int)] {
        try db.query("SELECT id, wu_total, wu_completed + wu_failed + wu_cancelled FROM batch WHERE state = 'active'")
            .map { ($0.int(0), Int($0.int(1)), Int($0.int(2))) }
    }

    /// Cancelled tasks this host has not been told about yet; marks them told.
    public func takeCancellations(host: HostID) throws -> [TaskID] {
        let ids = try db.query("SELECT id FROM task WHERE host_id = ? AND host_told = 0", .integer(host)).map { $0.int(0) }
        if !ids.isEmpty {
            try db.execute("UPDATE task SET host_told = 1 WHERE host_id = ? AND host_told = 0", .integer(host))
        }
        return ids
    }

    /// The host's tasks in progress, with their work units.
    public func tasksInProgress(host: HostID) throws -> [(task: TaskID, workUnit: WorkUnitID)] {
        try db.query("SELECT id, wu_id FROM task WHERE host_id = ? AND state = 'in_progress'", .integer(host))
            .map { ($0.int(0), $0.int(1)) }
    }

    /// Marks the batch cancelled (its work units are cancelled one by one by the engine).
    public func markBatchCancelled(_ id: BatchID) throws {
        try db.execute("UPDATE batch SET state = 'cancelled' WHERE id = ? AND state = 'active'", .integer(id))
    }
}
