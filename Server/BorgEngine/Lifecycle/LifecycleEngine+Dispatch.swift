import BorgCore
import BorgProtocol
import BorgStore
import Foundation

extension LifecycleEngine {
    /// Most ready-queue entries one work request looks at per project. Entries this host may not take
    /// (a task of a work unit its donor already runs) go back to the front, and the scan goes on behind
    /// them, so a host never gets nothing while work it may take waits further back.
    static let dispatchScanLimit = 512

    /// Gives a host up to `maxTasks` tasks of the projects it can run (never two of one work unit per
    /// donor, never more in progress than ``HostCapacity`` allows its cores), records its contact, and
    /// returns the cancelled tasks it has not been told about yet.
    /// With `held` (the tasks the host says it has), its in-progress tasks missing from that list are
    /// sent again first.
    public func dispatch(host: HostRecord, maxTasks: Int, platforms: [String], held: [TaskID]? = nil) async throws
        -> (tasks: [TaskAssignment], cancelled: [TaskID])
    {
        guard (0...APILimits.maxTasksPerRequest).contains(maxTasks) else {
            throw EngineError.invalid("maxTasks must be between 0 and \(APILimits.maxTasksPerRequest)")
        }
        let runnable = catalog.runnable(on: platforms)
        var assignments: [TaskAssignment] = []
        if let held { assignments = try await lostTasks(of: host, held: held, limit: maxTasks, runnable) }
        var cancelled: [TaskID]?
        // Start at a different project per host so that several projects share the grid.
        let offset = runnable.isEmpty ? 0 : Int(host.id.rawValue % Int64(runnable.count))
        var hostFull = false
        for k in 0..<runnable.count where assignments.count < maxTasks && !hostFull {
            let (project, app) = runnable[(k + offset) % runnable.count]
            var returned: [ReadyQueue.Entry] = []
            var scanned = 0
            while assignments.count < maxTasks && scanned < Self.dispatchScanLimit {
                let want = maxTasks - assignments.count
                let candidates = queue.pop(project: project.id, limit: want * 2)
                guard !candidates.isEmpty else { break }
                scanned += candidates.count
                let now = clock()
                let told = cancelled != nil
                let (assigned, leftovers, untold, full) = try await store.write { q in
                    // Checked in the write, not from the cached credential: a removed host gets nothing more.
                    let room = try q.hostIsActive(host.id)
                        ? HostCapacity.maxTasksInProgress(cores: host.cores) - (try q.tasksInProgressCount(host: host.id)) : 0
                    let (assigned, leftovers) = try self.assign(candidates, want: min(want, room), host: host, project: project,
                                                                app: app, q, now: now)
                    return (assigned, leftovers, told ? [] : try Self.contact(host.id, q, now: now), assigned.count >= room)
                }
                cancelled = (cancelled ?? []) + untold
                returned += leftovers
                assignments += assigned
                hostFull = full
                if full { break }
            }
            queue.pushFront(returned, project: project.id)
        }
        if cancelled == nil {
            let now = clock()
            cancelled = try await store.write { q in try Self.contact(host.id, q, now: now) }
        }
        metrics.tasksDispatched.increment(by: Int64(assignments.count))
        metrics.queueDepth.set(Double(queue.depth))
        return (assignments, cancelled ?? [])
    }

    /// The host's in-progress tasks that are not in `held`: their assignment never reached it.
    private func lostTasks(of host: HostRecord, held: [TaskID], limit: Int, _ runnable: [(ProjectRecord, AppVersionRecord)])
        async throws -> [TaskAssignment]
    {
        let held = Set(held)
        let lost = try await store.read { q in
            var lost: [TaskAssignment] = []
            let missing = try q.tasksInProgress(host: host.id).filter { !held.contains($0.task) }.prefix(limit)
            let records = try q.workUnits(missing.map(\.workUnit))
            for (taskID, workUnitID) in missing {
                guard let record = records[workUnitID],
                      let (project, app) = runnable.first(where: { $0.0.id == record.projectID }),
                      let deadline = record.state.tasks.first(where: { $0.id == taskID })?.deadline
                else { continue }
                lost.append(Self.assignment(taskID, of: record, project: project, app: app,
                                            policy: try self.lifecycle(for: record, q).policy, deadline: deadline))
            }
            return lost
        }
        metrics.tasksResent.increment(by: Int64(lost.count))
        return lost
    }

    /// What a host is told about a task it runs.
    static func assignment(_ taskID: TaskID, of record: WorkUnitRecord, project: ProjectRecord, app: AppVersionRecord,
                           policy: ProjectPolicy, deadline: Double) -> TaskAssignment {
        TaskAssignment(
            taskID: taskID, workUnitID: record.state.id, workUnitName: record.name, project: project.name,
            platform: app.platform, app: FileRef(name: "app", sha256: app.sha256, size: app.size),
            appSignature: app.signature, projectPublicKey: project.publicKey, inputs: record.inputs,
            deadline: deadline, estimatedFlops: policy.credit.estimatedFlops, maxOutputBytes: policy.maxOutputBytes)
    }

    /// Inside one write: sends what it can of `candidates`; returns the assignments and the entries to requeue.
    private func assign(
        _ candidates: [ReadyQueue.Entry], want: Int, host: HostRecord, project: ProjectRecord, app: AppVersionRecord,
        _ q: StoreQueries, now: Double
    ) throws -> ([TaskAssignment], [ReadyQueue.Entry]) {
        var assigned: [TaskAssignment] = []
        var leftovers: [ReadyQueue.Entry] = []
        let trust = try q.trust(host: host.id, project: project.id)
        // Loaded together; a work unit dispatched to earlier in the loop is used as it is now.
        var records = try q.workUnits(Array(Set(candidates.map(\.workUnitID))))
        var standing = AccountStanding()
        for entry in candidates {
            guard assigned.count < want else {
                leftovers.append(entry)
                continue
            }
            guard var record = records[entry.workUnitID] else { continue }
            let old = record.state
            let rules = try lifecycle(for: record, q)
            do {
                try rules.dispatch(entry.taskID, to: host.id, donor: host.donorID, in: &record.state, now: now,
                    consecutiveValid: trust, draw: Double.random(in: 0..<1))
            } catch .donorAlreadyHasTask {
                leftovers.append(entry)  // another donor's host will take it
                continue
            } catch {
                continue  // stale entry: the task was cancelled or its work unit ended
            }
            _ = try commit(record, from: old, LifecycleOutcome(), q, now: now, standing: &standing)
            records[entry.workUnitID] = record
            let deadline = record.state.tasks.first { $0.id == entry.taskID }?.deadline ?? now
            assigned.append(Self.assignment(entry.taskID, of: record, project: project, app: app, policy: rules.policy,
                                            deadline: deadline))
        }
        return (assigned, leftovers)
    }
}
