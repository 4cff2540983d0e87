import BorgCore
import Foundation

/// A work unit loaded for a lifecycle transition, with what the transition needs around it: the digest
/// of each accepted report (to recognise a retried one) and the standing of its tasks' hosts and donors
/// (to grant credit without reading them again). All of it comes from one query.
public struct WorkUnitRecord: Sendable, Equatable {
    public let batchID: BatchID
    public let projectID: ProjectID
    public let name: String
    public let inputs: [FileDigest]
    public var state: WorkUnitState
    public var reportDigests: [TaskID: String] = [:]
    public var standing = AccountStanding()
}

extension StoreQueries {
    public func workUnit(_ id: WorkUnitID) throws -> WorkUnitRecord? {
        try workUnits([id])[id]
    }

    /// Work units by id, loaded in one query.
    public func workUnits(_ ids: [WorkUnitID]) throws -> [WorkUnitID: WorkUnitRecord] {
        try loadWorkUnits("w.id IN (SELECT value FROM json_each(?))", ids.map(\.rawValue))
    }

    /// The work units of the given tasks (the report path knows only the tasks), by work unit id.
    public func workUnits(ofTasks ids: [TaskID]) throws -> [WorkUnitID: WorkUnitRecord] {
        try loadWorkUnits("w.id IN (SELECT wu_id FROM task WHERE id IN (SELECT value FROM json_each(?)))", ids.map(\.rawValue))
    }

    /// One query (ids passed as one JSON array, so the statement is prepared once): the work units, their
    /// tasks, and the tasks' hosts' and donors' standing.
    private func loadWorkUnits(_ condition: String, _ ids: [Int64]) throws -> [WorkUnitID: WorkUnitRecord] {
        guard !ids.isEmpty else { return [:] }
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        let rows = try db.query(
            """
            SELECT w.id, w.batch_id, b.project_id, w.name, w.inputs, w.status, w.quorum, w.runs_alone,
                   w.canonical_task_id, w.error_reason,
                   t.id, t.host_id, t.donor_id, t.state, t.validate_state, t.is_backup, t.sent_at, t.deadline,
                   t.reported_at, t.outputs, t.measured_work, t.credit, t.report_digest,
                   h.rac, h.rac_time, h.turnaround, h.consecutive_valid, d.rac, d.rac_time, ht.consecutive_valid
            FROM work_unit w JOIN batch b ON b.id = w.batch_id
            LEFT JOIN task t ON t.wu_id = w.id
            LEFT JOIN host h ON h.id = t.host_id
            LEFT JOIN donor d ON d.id = t.donor_id
            LEFT JOIN host_trust ht ON ht.host_id = t.host_id AND ht.project_id = b.project_id
            WHERE \(condition) ORDER BY w.id, t.id
            """, [.text(list)])
        var records: [WorkUnitID: WorkUnitRecord] = [:]
        for row in rows {
            let id = row.id(0) as WorkUnitID
            var record = records[id] ?? WorkUnitRecord(
                batchID: row.id(1), projectID: row.id(2), name: row.string(3), inputs: FileListCoding.decode(row.string(4)),
                state: WorkUnitState(
                    id: id, status: WorkUnitStatus(rawValue: row.string(5)) ?? .active, quorum: Int(row.int(6)),
                    runsAlone: row.bool(7), canonicalTaskID: row.optionalID(8), errorReason: row.optionalString(9), tasks: []))
            defer { records[id] = record }
            guard let taskID = row.optionalID(10) as TaskID? else { continue }
            let task = TaskRecord(
                id: taskID, hostID: row.optionalID(11), donorID: row.optionalID(12),
                state: TaskState(rawValue: row.string(13)) ?? .error,
                validateState: ValidateState(rawValue: row.string(14)) ?? .pending, isBackup: row.bool(15),
                sentAt: row.optionalDouble(16), deadline: row.optionalDouble(17), reportedAt: row.optionalDouble(18),
                outputs: FileListCoding.decode(row.string(19)), measuredWork: row.double(20), credit: row.double(21))
            record.state.tasks.append(task)
            if let digest = row.optionalString(22) { record.reportDigests[taskID] = digest }
            if let host = task.hostID, row.values[23] != .null {
                record.standing.hosts[host] = HostStanding(
                    rac: RecentAverageCredit(value: row.double(23), time: row.double(24)), turnaround: row.optionalDouble(25),
                    consecutiveValid: Int(row.int(26)))
                record.standing.trust[HostProject(host: host, project: record.projectID)] = Int(row.int(29))
            }
            if let donor = task.donorID, row.values[27] != .null {
                record.standing.donors[donor] = RecentAverageCredit(value: row.double(27), time: row.double(28))
            }
        }
        return records
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
            try db.run(
                """
                UPDATE task SET host_id = ?, donor_id = ?, state = ?, validate_state = ?, sent_at = ?, deadline = ?,
                reported_at = ?, outputs = ?, measured_work = ?, credit = ?, host_told = ? WHERE id = ?
                """,
                SQLValue(task.hostID), SQLValue(task.donorID), .text(task.state.rawValue), .text(task.validateState.rawValue),
                SQLValue(task.sentAt), SQLValue(task.deadline), SQLValue(task.reportedAt),
                .text(FileListCoding.encode(task.outputs)), .real(task.measuredWork), .real(task.credit),
                SQLValue(!tell), SQLValue(task.id))
        }
        if new.status != old.status || new.quorum != old.quorum || new.runsAlone != old.runsAlone
            || new.canonicalTaskID != old.canonicalTaskID || new.errorReason != old.errorReason
        {
            try db.run(
                "UPDATE work_unit SET status = ?, quorum = ?, runs_alone = ?, canonical_task_id = ?, error_reason = ?, finished_at = ? WHERE id = ?",
                .text(new.status.rawValue), SQLValue(Int64(new.quorum)), SQLValue(new.runsAlone),
                SQLValue(new.canonicalTaskID), SQLValue(new.errorReason),
                new.status == .active ? .null : .real(now), SQLValue(new.id))
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
        try db.run("UPDATE batch SET \(column) = \(column) + 1 WHERE id = ?", SQLValue(batch))
        try db.run(
            """
            UPDATE batch SET state = CASE WHEN state = 'cancelled' THEN 'cancelled' ELSE 'completed' END,
            finished_at = ? WHERE id = ? AND wu_completed + wu_failed + wu_cancelled = wu_total AND finished_at IS NULL
            """, .real(now), SQLValue(batch))
    }

    /// Keeps what a report said beyond the lifecycle fields, and counts the host's CPU time and errors;
    /// `turnaround` (the host's expected turnaround including this task) is kept when given.
    public func recordReport(task: TaskID, host: HostID, digest: String, cpuSeconds: Double, errorMessage: String?,
                             turnaround: Double?) throws {
        try db.run("UPDATE task SET report_digest = ?, cpu_seconds = ?, error_message = ? WHERE id = ?",
            .text(digest), .real(cpuSeconds), SQLValue(errorMessage), SQLValue(task))
        try db.run(
            "UPDATE host SET cpu_seconds = cpu_seconds + ?, tasks_error = tasks_error + ?, turnaround = coalesce(?, turnaround) WHERE id = ?",
            .real(cpuSeconds), SQLValue(errorMessage == nil ? 0 : 1), SQLValue(turnaround), SQLValue(host))
    }

    /// Writes the account changes validations decided (BorgCore's ``AccountStanding``), one row each.
    public func save(_ changes: [AccountChange]) throws {
        for change in changes {
            switch change {
            case let .host(host, credit, valid, invalid, rac, consecutiveValid):
                try db.run(
                    """
                    UPDATE host SET total_credit = total_credit + ?, rac = ?, rac_time = ?, consecutive_valid = ?,
                        tasks_valid = tasks_valid + ?, tasks_invalid = tasks_invalid + ? WHERE id = ?
                    """, .real(credit), .real(rac.value), .real(rac.time), SQLValue(consecutiveValid), SQLValue(valid),
                    SQLValue(invalid), SQLValue(host))
            case let .donor(donor, credit, rac):
                try db.run("UPDATE donor SET total_credit = total_credit + ?, rac = ?, rac_time = ? WHERE id = ?",
                    .real(credit), .real(rac.value), .real(rac.time), SQLValue(donor))
            case let .trust(key, consecutiveValid):
                try db.run(
                    """
                    INSERT INTO host_trust (host_id, project_id, consecutive_valid) VALUES (?, ?, ?)
                    ON CONFLICT (host_id, project_id) DO UPDATE SET consecutive_valid = excluded.consecutive_valid
                    """, SQLValue(key.host), SQLValue(key.project), SQLValue(consecutiveValid))
            }
        }
    }

    /// The standing of these hosts (with their trust in `project`) and donors as stored, for accounts a
    /// transaction has not loaded yet.
    public func standing(hosts: [HostID], donors: [DonorID], project: ProjectID) throws -> AccountStanding {
        var standing = AccountStanding()
        for id in hosts {
            guard let row = try db.queryOne("SELECT rac, rac_time, turnaround, consecutive_valid FROM host WHERE id = ?",
                                            SQLValue(id)) else { continue }
            standing.hosts[id] = HostStanding(rac: RecentAverageCredit(value: row.double(0), time: row.double(1)),
                                              turnaround: row.optionalDouble(2), consecutiveValid: Int(row.int(3)))
            standing.trust[HostProject(host: id, project: project)] = try trust(host: id, project: project)
        }
        for id in donors {
            guard let row = try db.queryOne("SELECT rac, rac_time FROM donor WHERE id = ?", SQLValue(id)) else { continue }
            standing.donors[id] = RecentAverageCredit(value: row.double(0), time: row.double(1))
        }
        return standing
    }

    /// A host's trust in a project: its run of valid results there (0 if it has none).
    public func trust(host: HostID, project: ProjectID) throws -> Int {
        Int(try db.queryOne("SELECT consecutive_valid FROM host_trust WHERE host_id = ? AND project_id = ?",
                            SQLValue(host), SQLValue(project))?.int(0) ?? 0)
    }

    /// Work units with a running task whose deadline has passed.
    public func workUnitsPastDeadline(now: Double, limit: Int = 10_000) throws -> [WorkUnitID] {
        try db.query(
            "SELECT DISTINCT wu_id FROM task WHERE state = 'in_progress' AND deadline <= ? LIMIT ?",
            .real(now), SQLValue(Int64(limit))
        ).map { $0.id(0) }
    }

    /// Running tasks with their host's expected turnaround, for straggler detection.
    public func runningTasks() throws -> [(task: TaskID, workUnit: WorkUnitID, sentAt: Double, turnaround: Double?)] {
        try db.query(
            """
            SELECT t.id, t.wu_id, t.sent_at, h.turnaround FROM task t JOIN host h ON h.id = t.host_id
            WHERE t.state = 'in_progress'
            """
        ).map { ($0.id(0), $0.id(1), $0.double(2), $0.optionalDouble(3)) }
    }

    /// The mean expected turnaround of the hosts that have one (what a new host is assumed to take).
    public func typicalTurnaround() throws -> Double? {
        try db.queryOne("SELECT avg(turnaround) FROM host WHERE turnaround IS NOT NULL AND active = 1")?.optionalDouble(0)
    }

    /// Active batches with their size and finished work units, for tail detection.
    public func activeBatches() throws -> [(id: BatchID, total: Int, finished: Int)] {
        try db.query("SELECT id, wu_total, wu_completed + wu_failed + wu_cancelled FROM batch WHERE state = 'active'")
            .map { ($0.id(0), Int($0.int(1)), Int($0.int(2))) }
    }

    /// Cancelled tasks this host has not been told about yet; marks them told.
    public func takeCancellations(host: HostID) throws -> [TaskID] {
        let ids = try db.query("SELECT id FROM task WHERE host_id = ? AND host_told = 0", SQLValue(host)).map { $0.id(0) as TaskID }
        if !ids.isEmpty {
            try db.run("UPDATE task SET host_told = 1 WHERE host_id = ? AND host_told = 0", SQLValue(host))
        }
        return ids
    }

    /// Tasks still in progress on hosts that left the grid or were removed, with their work units.
    public func tasksInProgressOfRetiredHosts(limit: Int = 10_000) throws -> [(task: TaskID, workUnit: WorkUnitID)] {
        try db.query(
            """
            SELECT t.id, t.wu_id FROM task t JOIN host h ON h.id = t.host_id
            WHERE t.state = 'in_progress' AND h.active = 0 LIMIT ?
            """, SQLValue(limit)
        ).map { ($0.id(0), $0.id(1)) }
    }

    /// How many tasks the host has in progress.
    public func tasksInProgressCount(host: HostID) throws -> Int {
        Int(try db.queryOne("SELECT count(*) FROM task WHERE host_id = ? AND state = 'in_progress'", SQLValue(host))?.int(0) ?? 0)
    }

    /// The host's tasks in progress, with their work units.
    public func tasksInProgress(host: HostID) throws -> [(task: TaskID, workUnit: WorkUnitID)] {
        try db.query("SELECT id, wu_id FROM task WHERE host_id = ? AND state = 'in_progress'", SQLValue(host))
            .map { ($0.id(0), $0.id(1)) }
    }

    /// Marks the batch cancelled (its work units are cancelled one by one by the engine).
    public func markBatchCancelled(_ id: BatchID) throws {
        try db.run("UPDATE batch SET state = 'cancelled' WHERE id = ? AND state = 'active'", SQLValue(id))
    }
}
