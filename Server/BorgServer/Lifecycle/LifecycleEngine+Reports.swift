import BorgCore
import BorgProtocol
import BorgStore
import Crypto
import Foundation

extension LifecycleEngine {
    /// Applies a host's reports all together, or none of them: an unknown task (404), a task of another
    /// host (403) or a task no longer in progress (409) refuses the whole request. A report identical to
    /// one already accepted is accepted again (retries are harmless).
    /// `inline` holds the small outputs that came inside the reports, checked against their digests;
    /// they are stored in the same transaction.
    /// Returns the accepted tasks and the host's cancelled tasks it has not been told about yet.
    func report(host: HostRecord, reports: [TaskReport], inline: [String: Data]) async throws
        -> (accepted: [TaskID], cancelled: [TaskID])
    {
        let now = clock()
        let blobs = store.blobs
        let (accepted, created, outcomes, cancelled) = try await store.write { q in
            for (sha, data) in inline { try q.putBlob(data, sha256: sha) }
            let load = self.loader(q)
            var accepted: [TaskID] = []
            var created: [UnsentTask] = []
            var outcomes: [LifecycleOutcome] = []
            // Loaded together; a work unit changed earlier in the loop is used as it is now, and credit
            // and turnaround written earlier are newer than the standing loaded.
            var records = try q.workUnits(ofTasks: reports.map(\.taskID))
            var workUnitOfTask: [TaskID: WorkUnitID] = [:]
            for record in records.values { for task in record.state.tasks { workUnitOfTask[task.id] = record.state.id } }
            var standing = AccountStanding()
            for report in reports {
                guard let workUnitID = workUnitOfTask[report.taskID], var record = records[workUnitID],
                      let task = record.state.tasks.first(where: { $0.id == report.taskID })
                else {
                    throw StoreError(.notFound, "task \(report.taskID) does not exist")
                }
                guard task.hostID == host.id else {
                    throw StoreError(.forbidden, "task \(report.taskID) was not given to host \(host.id)")
                }
                let digest = Self.digest(of: report)
                guard task.state == .inProgress else {
                    if record.reportDigests[task.id] == digest {
                        accepted.append(report.taskID)
                        continue
                    }
                    throw StoreError(.conflict, Self.refusal(task: report.taskID, state: task.state))
                }
                for output in report.outputs where inline[output.sha256] == nil {
                    guard try q.hasBlob(output.sha256) || blobs.contains(output.sha256) else {
                        throw StoreError(.invalid,
                            "task \(report.taskID): output '\(output.name)' is not uploaded; PUT /v1/hosts/\(host.id)/blobs/\(output.sha256) first or send it inline")
                    }
                }
                let old = record.state
                let rules = try self.lifecycle(for: record, q)
                let outcome: LifecycleOutcome
                do {
                    outcome = try rules.report(
                        report.taskID, from: host.id, success: report.status == .success,
                        outputs: report.outputs.map { FileDigest(name: $0.name, sha256: $0.sha256, size: $0.size) },
                        measuredWork: report.measuredWork, in: &record.state, now: now, load: load)
                } catch let error as LifecycleError {
                    throw StoreError(.conflict, error.description)
                }
                created += try self.commit(record, from: old, outcome, q, now: now, standing: &standing)
                records[workUnitID] = record
                let errorMessage = report.status == .error ? (report.errorMessage ?? "the app failed") : nil
                let turnaround = report.status == .success ? task.sentAt.map {
                    HostTurnaround.updated(standing.hostTurnaround[host.id], sample: now - $0)
                } : nil
                if let turnaround { standing.hostTurnaround[host.id] = turnaround }
                try q.recordReport(task: report.taskID, host: host.id, digest: digest, cpuSeconds: report.cpuSeconds,
                    errorMessage: errorMessage, turnaround: turnaround)
                accepted.append(report.taskID)
                outcomes.append(outcome)
            }
            return (accepted, created, outcomes, try Self.contact(host.id, q, now: now))
        }
        metrics.tasksReported.increment(by: Int64(outcomes.count))
        published(created, outcomes: outcomes)
        return (accepted, cancelled)
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

    /// The host gives tasks back (all of its running tasks when `tasks` is nil); they are reissued at once.
    func abandon(host: HostRecord, tasks: [TaskID]?, leaving: Bool) async throws -> [TaskID] {
        let running = try await store.read { q in try q.tasksInProgress(host: host.id) }
        let chosen = tasks.map { wanted in running.filter { wanted.contains($0.task) } } ?? running
        let ids = chosen.map(\.task)
        try await transition(Array(Set(chosen.map(\.workUnit)))) { rules, wu, _, _ in
            rules.abandon(ids, in: &wu)
        }
        if leaving {
            try await store.write { q in try q.retireHost(host.id) }
        }
        return ids
    }

    /// Times out every running task past its deadline; reissues them.
    func expireDeadlines() async throws {
        let now = clock()
        let ids = try await store.read { q in try q.workUnitsPastDeadline(now: now) }
        guard !ids.isEmpty else { return }
        try await transition(ids) { rules, wu, now, load in rules.expireDeadlines(in: &wu, now: now, load: load) }
    }

    /// Issues backup tasks for stragglers and for the last work units of nearly finished batches.
    func issueBackups() async throws {
        let now = clock()
        let policy = stragglers
        let ids: [WorkUnitID] = try await store.read { q in
            let running = try q.runningTasks()
            var late = Set(running.filter { policy.isLate(sentAt: $0.sentAt, expectedSeconds: $0.turnaround, now: now) }
                .map(\.workUnit))
            let runningLongEnough = Set(running.filter { now - $0.sentAt >= policy.minimumSeconds }.map(\.workUnit))
            for batch in try q.activeBatches() where policy.isTail(outstanding: batch.total - batch.finished, total: batch.total) {
                late.formUnion(try q.activeWorkUnits(batch: batch.id).filter { runningLongEnough.contains($0) })
            }
            return late.sorted()
        }
        guard !ids.isEmpty else { return }
        try await transition(ids) { rules, wu, _, _ in rules.requestBackup(in: &wu) }
    }
}
