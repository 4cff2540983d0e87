import BorgCore
import BorgProtocol
import BorgStore
import Crypto
import Foundation

/// The report path: a host's reports are checked as a whole before anything is written, then applied one
/// by one in a single group-committed write: all of them or none.
extension LifecycleEngine {
    /// What became of a report request.
    public struct ReportReceipt: Sendable, Equatable {
        /// Tasks whose report is stored, including identical retries of reports stored before.
        public var accepted: [TaskID] = []
        /// The host's cancelled tasks it had not been told about yet.
        public var cancelled: [TaskID] = []
    }

    /// Checks the form of a report request without looking at the store: 1 to ``APILimits.maxTasksPerRequest``
    /// reports, each task once, finite non-negative measurements, valid unique output names, and inline
    /// outputs that are base64 of their declared size and hash to their digest. Returns the inline
    /// outputs' contents by digest.
    public static func checkForm(of reports: [TaskReport]) throws(EngineError) -> [String: Data] {
        guard !reports.isEmpty, reports.count <= APILimits.maxTasksPerRequest else {
            throw .invalid("a report request carries 1 to \(APILimits.maxTasksPerRequest) reports")
        }
        guard Set(reports.map(\.taskID)).count == reports.count else {
            throw .invalid("a task is reported twice in one request")
        }
        var contents: [String: Data] = [:]
        for report in reports {
            let task = report.taskID
            guard report.cpuSeconds >= 0, report.cpuSeconds.isFinite, report.measuredWork >= 0, report.measuredWork.isFinite else {
                throw .invalid("task \(task): cpuSeconds and measuredWork must be finite and not negative")
            }
            var names = Set<String>()
            for output in report.outputs {
                guard Naming.isValid(output.name), names.insert(output.name).inserted else {
                    throw .invalid("task \(task): output name '\(output.name.prefix(80))' \(Naming.rule) and be unique")
                }
                guard output.size >= 0 else { throw .invalid("task \(task): output size is negative") }
                guard let inline = output.data else { continue }
                guard let data = Data(base64Encoded: inline), Int64(data.count) == output.size else {
                    throw .invalid("task \(task): output '\(output.name)' data is not base64 of \(output.size) bytes")
                }
                let actual = BlobStore.digest(data)
                guard actual == output.sha256 else {
                    throw .invalid("task \(task): output '\(output.name)': content hashes to \(actual), not \(output.sha256)")
                }
                contents[output.sha256] = data
            }
        }
        return contents
    }

    /// Applies a host's reports all together, or none of them: an unknown task, a task of another host
    /// or a task no longer in progress refuses the whole request. A report identical to one already
    /// accepted is accepted again (retries are harmless). `inline` holds the small outputs that came
    /// inside the reports (checked by ``checkForm(of:)``); they are stored in the same transaction.
    public func report(host: HostRecord, reports: [TaskReport], inline: [String: Data]) async throws -> ReportReceipt {
        let now = clock()
        let (receipt, created, outcomes) = try await store.write { q in
            // The reports refer to their outputs in this same transaction (see RetentionPolicy.blobRefreshInterval).
            for (sha, data) in inline { try q.putBlob(data, sha256: sha, now: now, refreshInterval: self.blobRefreshInterval) }
            // Loaded together; a work unit changed earlier in the loop is used as it is now.
            var records = try q.workUnits(ofTasks: reports.map(\.taskID))
            let steps = try Self.plan(reports, from: host.id, records: records)
            var receipt = ReportReceipt()
            var created: [UnsentTask] = []
            var outcomes: [LifecycleOutcome] = []
            var standing = AccountStanding()
            for step in steps {
                switch step {
                case .alreadyAccepted(let task):
                    receipt.accepted.append(task)
                case .apply(let report, let workUnit):
                    guard var record = records[workUnit] else { throw EngineError.unknown("work unit \(workUnit) does not exist") }
                    let outcome = try self.apply(report, from: host, inline: inline, to: &record, q, now: now,
                                                 standing: &standing, created: &created)
                    records[workUnit] = record
                    receipt.accepted.append(report.taskID)
                    outcomes.append(outcome)
                }
            }
            try self.saveAccounts(&standing, q)
            receipt.cancelled = try Self.contact(host.id, q, now: now)
            return (receipt, created, outcomes)
        }
        metrics.tasksReported.increment(by: Int64(outcomes.count))
        published(created, outcomes: outcomes)
        return receipt
    }

    /// One report's fate, decided before anything is written.
    enum ReportStep {
        /// Apply it to this work unit.
        case apply(TaskReport, WorkUnitID)
        /// The same report was accepted before: accept it again, change nothing.
        case alreadyAccepted(TaskID)
    }

    /// Checks every report of a request against the work units as loaded: each task exists, was given
    /// to `host`, and is in progress (or already carries this very report). Pure.
    static func plan(_ reports: [TaskReport], from host: HostID, records: [WorkUnitID: WorkUnitRecord])
        throws(EngineError) -> [ReportStep]
    {
        var workUnitOfTask: [TaskID: WorkUnitID] = [:]
        for record in records.values { for task in record.state.tasks { workUnitOfTask[task.id] = record.state.id } }
        var steps: [ReportStep] = []
        for report in reports {
            guard let workUnit = workUnitOfTask[report.taskID], let record = records[workUnit],
                  let task = record.state.tasks.first(where: { $0.id == report.taskID })
            else { throw .unknown("task \(report.taskID) does not exist") }
            guard task.hostID == host else { throw .notYours("task \(report.taskID) was not given to host \(host)") }
            if task.state == .inProgress {
                steps.append(.apply(report, workUnit))
            } else if record.reportDigests[task.id] == digest(of: report) {
                steps.append(.alreadyAccepted(report.taskID))
            } else {
                throw .wrongState(refusal(task: report.taskID, state: task.state))
            }
        }
        return steps
    }

    /// Checks what a report claims against its project and its task: every output within the project's
    /// `maxOutputBytes` and, unless it came inline, uploaded with exactly the size claimed; CPU time and
    /// measured work within what the host's cores could do since the task was sent (``ReportBounds``).
    private func checkClaims(of report: TaskReport, host: HostRecord, sentAt: Double?, policy: ProjectPolicy,
                             inline: [String: Data], _ q: StoreQueries, now: Double) throws {
        let task = report.taskID
        for output in report.outputs {
            guard output.size <= Int64(policy.maxOutputBytes) else {
                throw EngineError.tooLarge(
                    "task \(task): output '\(output.name)' is \(output.size) bytes; the project allows \(policy.maxOutputBytes)")
            }
            guard inline[output.sha256] == nil else { continue }
            guard let actual = try q.blobSize(output.sha256) ?? store.blobs.size(of: output.sha256) else {
                throw EngineError.invalid(
                    "task \(task): output '\(output.name)' is not uploaded; upload it as host \(host.id) first or send it inline")
            }
            guard actual == output.size else {
                throw EngineError.invalid("task \(task): output '\(output.name)' says \(output.size) bytes, but its blob has \(actual)")
            }
        }
        if let violation = ReportBounds.violation(cpuSeconds: report.cpuSeconds, measuredWork: report.measuredWork,
                                                  wallSeconds: now - (sentAt ?? now), cores: host.cores) {
            throw EngineError.invalid("task \(task): \(violation)")
        }
    }

    /// Applies one report to its work unit: its claims are checked, the lifecycle rules decide, the store
    /// saves the transition, the accounts' changes and what the report said.
    private func apply(_ report: TaskReport, from host: HostRecord, inline: [String: Data], to record: inout WorkUnitRecord,
                       _ q: StoreQueries, now: Double, standing: inout AccountStanding, created: inout [UnsentTask])
        throws -> LifecycleOutcome
    {
        let old = record.state
        let sentAt = old.tasks.first { $0.id == report.taskID }?.sentAt
        let rules = try lifecycle(for: record, q, standing: standing)
        try checkClaims(of: report, host: host, sentAt: sentAt, policy: rules.policy, inline: inline, q, now: now)
        let outcome: LifecycleOutcome
        do {
            outcome = try rules.report(
                report.taskID, from: host.id, success: report.status == .success,
                outputs: report.outputs.map { FileDigest(name: $0.name, sha256: $0.sha256, size: $0.size) },
                measuredWork: report.measuredWork, in: &record.state, now: now, load: loader(q))
        } catch {
            throw EngineError.wrongState(error.description)
        }
        created += try commit(record, from: old, outcome, q, now: now, standing: &standing)
        let succeeded = report.status == .success
        let turnaround = succeeded ? sentAt.map { standing.observeTurnaround(host: host.id, seconds: now - $0) } : nil
        try q.recordReport(task: report.taskID, host: host.id, digest: Self.digest(of: report), cpuSeconds: report.cpuSeconds,
                           errorMessage: succeeded ? nil : (report.errorMessage ?? "the app failed"), turnaround: turnaround)
        return outcome
    }

    /// Identifies a report's content, so that a retried report is recognised as the same.
    static func digest(of report: TaskReport) -> String {
        var text = report.status.rawValue
        for output in report.outputs.sorted(by: { $0.name < $1.name }) {
            text += "|\(output.name):\(output.sha256):\(output.size)"
        }
        return HexEncoding.string(SHA256.hash(data: Data(text.utf8)).prefix(16))
    }

    static func refusal(task: TaskID, state: TaskState) -> String {
        switch state {
        case .cancelled: return "task \(task) was cancelled: its work unit no longer needs it; discard it"
        case .timedOut: return "task \(task) passed its deadline and was reissued; discard it"
        case .abandoned: return "task \(task) was abandoned by this host and reissued; discard it"
        case .success, .error: return "task \(task) was already reported with a different result"
        case .unsent, .inProgress: return "task \(task) is \(state.rawValue)"
        }
    }
}
