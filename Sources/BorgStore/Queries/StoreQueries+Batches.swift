import BorgCore
import Foundation

/// A batch as stored.
public struct BatchRecord: Sendable, Equatable {
    public let id: BatchID
    public let projectID: ProjectID
    public let projectName: String
    public let policy: ProjectPolicy
    public let state: String
    public let workUnits: Int
    public let completed: Int
    public let failed: Int
    public let cancelled: Int
    public let createdAt: Double
    public let finishedAt: Double?
    /// When its submitter collected the results (it may be purged some time after).
    public let collectedAt: Double?
    /// When its work units, tasks and outputs were purged; only the counts remain.
    public let purgedAt: Double?
}

/// A new work unit's task, as the ready queue needs it.
public struct UnsentTask: Sendable, Equatable {
    public let taskID: TaskID
    public let workUnitID: WorkUnitID
    public let projectID: ProjectID

    public init(taskID: TaskID, workUnitID: WorkUnitID, projectID: ProjectID) {
        self.taskID = taskID
        self.workUnitID = workUnitID
        self.projectID = projectID
    }
}

/// One work unit's outcome for `batch results`.
public struct WorkUnitOutcome: Sendable, Equatable {
    public let id: WorkUnitID
    public let name: String
    public let status: WorkUnitStatus
    public let outputs: [FileDigest]
    public let agreeingHosts: [HostID]
    public let agreeingDonors: [DonorID]
    public let errorReason: String?
}

extension StoreQueries {
    /// Creates a batch with its work units and their first tasks; returns the batch id and the new tasks.
    /// Ids are chosen here (the write transaction holds the only write lock), so that the inserts need
    /// not wait for each other's answers.
    public func createBatch(
        project: ProjectRecord, policy: ProjectPolicy, workUnits: [(name: String, inputs: [FileDigest])], now: Double
    ) throws -> (BatchID, [UnsentTask]) {
        let policyText = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)
        let batchID: BatchID = try db.execute(
            "INSERT INTO batch (project_id, policy, state, wu_total, created_at) VALUES (?, ?, 'active', ?, ?)",
            SQLValue(project.id), .text(policyText), SQLValue(Int64(workUnits.count)), .real(now)
        ).lastInsertID.asID()
        var nextWorkUnit = try nextID(in: "work_unit")
        var nextTask = try nextID(in: "task")
        var tasks: [UnsentTask] = []
        tasks.reserveCapacity(workUnits.count * policy.replication)
        for wu in workUnits {
            let wuID = WorkUnitID(nextWorkUnit)
            nextWorkUnit += 1
            try db.run(
                "INSERT INTO work_unit (id, batch_id, name, inputs, status, quorum) VALUES (?, ?, ?, ?, 'active', ?)",
                SQLValue(wuID), SQLValue(batchID), .text(wu.name), .text(FileListCoding.encode(wu.inputs)),
                SQLValue(Int64(policy.quorum)))
            for _ in 0..<policy.replication {
                try db.run("INSERT INTO task (id, wu_id, project_id, state, is_backup) VALUES (?, ?, ?, 'unsent', 0)",
                           SQLValue(nextTask), SQLValue(wuID), SQLValue(project.id))
                tasks.append(UnsentTask(taskID: TaskID(nextTask), workUnitID: wuID, projectID: project.id))
                nextTask += 1
            }
        }
        return (batchID, tasks)
    }

    /// The id the next row of `table` gets (its integer primary key's largest value plus one).
    private func nextID(in table: String) throws -> Int64 {
        (try db.queryOne("SELECT coalesce(max(id), 0) + 1 FROM \(table)")?.int(0)) ?? 1
    }

    func insertTask(workUnit: WorkUnitID, project: ProjectID, isBackup: Bool) throws -> TaskID {
        try db.execute(
            "INSERT INTO task (wu_id, project_id, state, is_backup) VALUES (?, ?, 'unsent', ?)",
            SQLValue(workUnit), SQLValue(project), SQLValue(isBackup)
        ).lastInsertID.asID()
    }

    public func batch(_ id: BatchID) throws -> BatchRecord? {
        try batches(where: "b.id = ?", [SQLValue(id)]).first
    }

    /// The newest `limit` batches (of one project if `project` is given; only active ones if `activeOnly`),
    /// newest first.
    public func recentBatches(project: ProjectID? = nil, activeOnly: Bool = false, limit: Int) throws -> [BatchRecord] {
        var conditions = activeOnly ? ["b.state = 'active'"] : ["1"]
        if project != nil { conditions.append("b.project_id = ?") }
        return try batches(where: "\(conditions.joined(separator: " AND ")) ORDER BY b.id DESC LIMIT ?",
                           (project.map { [SQLValue($0)] } ?? []) + [SQLValue(limit)])
    }

    /// The first `limit` failed work units of a batch, with the reason each failed.
    public func failedWorkUnits(batch id: BatchID, limit: Int) throws -> [(name: String, reason: String)] {
        try db.query(
            "SELECT name, coalesce(error_reason, '') FROM work_unit WHERE batch_id = ? AND status = 'failed' ORDER BY id LIMIT ?",
            [SQLValue(id), SQLValue(limit)]
        ).map { ($0.string(0), $0.string(1)) }
    }

    private func batches(where condition: String, _ arguments: [SQLValue]) throws -> [BatchRecord] {
        try db.query(
            """
            SELECT b.id, b.project_id, p.name, b.policy, b.state, b.wu_total, b.wu_completed, b.wu_failed,
                   b.wu_cancelled, b.created_at, b.finished_at, b.collected_at, b.purged_at
            FROM batch b JOIN project p ON p.id = b.project_id WHERE \(condition)
            """, arguments
        ).map { row in try Self.batchRecord(row) }
    }

    private static func batchRecord(_ row: SQLRow) throws -> BatchRecord {
        BatchRecord(
            id: row.id(0), projectID: row.id(1), projectName: row.string(2),
            policy: try JSONDecoder().decode(ProjectPolicy.self, from: Data(row.string(3).utf8)),
            state: row.string(4), workUnits: Int(row.int(5)), completed: Int(row.int(6)), failed: Int(row.int(7)),
            cancelled: Int(row.int(8)), createdAt: row.double(9), finishedAt: row.optionalDouble(10),
            collectedAt: row.optionalDouble(11), purgedAt: row.optionalDouble(12))
    }

    /// Tasks of the batch running on hosts now.
    public func tasksInProgress(batch id: BatchID) throws -> Int {
        Int(try db.queryOne(
            "SELECT count(*) FROM task t JOIN work_unit w ON w.id = t.wu_id WHERE w.batch_id = ? AND t.state = 'in_progress'",
            SQLValue(id))?.int(0) ?? 0)
    }

    /// Tasks running on hosts now, per batch (batches with none are left out).
    public func tasksInProgressByBatch() throws -> [BatchID: Int] {
        Dictionary(uniqueKeysWithValues: try db.query(
            """
            SELECT w.batch_id, count(*) FROM task t JOIN work_unit w ON w.id = t.wu_id
            WHERE t.state = 'in_progress' GROUP BY w.batch_id
            """).map { ($0.id(0) as BatchID, Int($0.int(1))) })
    }

    /// Every work unit of the batch with its canonical output and the hosts that agreed.
    public func workUnitOutcomes(batch id: BatchID) throws -> [WorkUnitOutcome] {
        let units = try db.query(
            "SELECT id, name, status, canonical_task_id, error_reason FROM work_unit WHERE batch_id = ? ORDER BY id",
            SQLValue(id))
        let valid = try db.query(
            """
            SELECT t.wu_id, t.id, t.host_id, t.donor_id, t.outputs FROM task t JOIN work_unit w ON w.id = t.wu_id
            WHERE w.batch_id = ? AND t.validate_state = 'valid' ORDER BY t.reported_at, t.id
            """, SQLValue(id))
        let byUnit = Dictionary(grouping: valid, by: { $0.id(0) as WorkUnitID })
        return units.map { row in
            let canonical = row.optionalID(3) as TaskID?
            var agreeing = byUnit[row.id(0)] ?? []
            if let i = agreeing.firstIndex(where: { $0.id(1) == canonical }) { agreeing.insert(agreeing.remove(at: i), at: 0) }
            return WorkUnitOutcome(
                id: row.id(0), name: row.string(1), status: WorkUnitStatus(rawValue: row.string(2)) ?? .active,
                outputs: agreeing.first.map { FileListCoding.decode($0.string(4)) } ?? [],
                agreeingHosts: agreeing.compactMap { $0.optionalID(2) },
                agreeingDonors: agreeing.compactMap { $0.optionalID(3) },
                errorReason: row.optionalString(4))
        }
    }

    /// Work units of the batch still active.
    public func activeWorkUnits(batch id: BatchID) throws -> [WorkUnitID] {
        try db.query("SELECT id FROM work_unit WHERE batch_id = ? AND status = 'active'", SQLValue(id)).map { $0.id(0) }
    }

    /// Every unsent task, oldest first: rebuilds the ready queues after a start or failover.
    public func unsentTasks() throws -> [UnsentTask] {
        try db.query("SELECT id, wu_id, project_id FROM task WHERE state = 'unsent' ORDER BY id").map {
            UnsentTask(taskID: $0.id(0), workUnitID: $0.id(1), projectID: $0.id(2))
        }
    }
}
