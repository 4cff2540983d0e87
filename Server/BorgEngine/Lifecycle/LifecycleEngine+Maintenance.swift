import BorgCore
import BorgStore
import Foundation

/// Transitions nobody reports: a host giving tasks back, deadlines passing, stragglers getting backups.
extension LifecycleEngine {
    /// The host gives tasks back (all of its running tasks when `tasks` is nil); they are reissued at once.
    /// When it is `leaving`, it gets no more work; `unlessHoldingPieces` refuses that (in the same write) while
    /// pieces of stored files are still on it, so a file committed during its hand-over loses none.
    public func abandon(host: HostRecord, tasks: [TaskID]?, leaving: Bool, unlessHoldingPieces: Bool = false) async throws -> [TaskID] {
        let running = try await store.read { q in try q.tasksInProgress(host: host.id) }
        let chosen = tasks.map { wanted in running.filter { wanted.contains($0.task) } } ?? running
        let ids = chosen.map(\.task)
        try await transition(Array(Set(chosen.map(\.workUnit)))) { rules, wu, _, _ in
            rules.abandon(ids, in: &wu)
        }
        if leaving {
            try await store.write { q in
                if unlessHoldingPieces {
                    let left = try q.piecesToMove(host: host.id)
                    guard left == 0 else {
                        throw EngineError.wrongState(
                            "\(left) piece(s) of files stored during the hand-over are still on host \(host.id): hand them over too, then ask again")
                    }
                }
                try q.retireHost(host.id)
            }
        }
        return ids
    }

    /// Reissues the tasks still in progress on hosts that were removed or whose donor was revoked.
    public func reissueTasksOfRetiredHosts() async throws {
        let orphaned = try await store.read { q in try q.tasksInProgressOfRetiredHosts() }
        guard !orphaned.isEmpty else { return }
        let ids = Set(orphaned.map(\.task))
        try await transition(Array(Set(orphaned.map(\.workUnit))).sorted()) { rules, wu, _, _ in
            rules.abandon(Array(ids), in: &wu)
        }
    }

    /// Times out every running task past its deadline; reissues them.
    public func expireDeadlines() async throws {
        let now = clock()
        let ids = try await store.read { q in try q.workUnitsPastDeadline(now: now) }
        guard !ids.isEmpty else { return }
        try await transition(ids) { rules, wu, now, load in rules.expireDeadlines(in: &wu, now: now, load: load) }
    }

    /// Issues backup tasks for stragglers and for the last work units of nearly finished batches.
    public func issueBackups() async throws {
        let now = clock()
        let policy = stragglers
        let ids: [WorkUnitID] = try await store.read { q in
            let running = try q.runningTasks()
            let typical = try q.typicalTurnaround()
            var late = Set(running.filter {
                policy.isLate(sentAt: $0.sentAt, expectedSeconds: StragglerPolicy.expectation(host: $0.turnaround, typical: typical),
                              now: now)
            }.map(\.workUnit))
            let runningLongEnough = Set(running.filter { now - $0.sentAt >= policy.minimumSeconds }.map(\.workUnit))
            for batch in try q.activeBatches() where policy.isTail(outstanding: batch.total - batch.finished, total: batch.total) {
                late.formUnion(try q.activeWorkUnits(batch: batch.id).filter { runningLongEnough.contains($0) })
            }
            return late.sorted()
        }
        guard !ids.isEmpty else { return }
        try await transition(ids) { rules, wu, _, _ in rules.requestBackup(in: &wu) }
    }

    /// Forgets idempotency keys older than `age` seconds (a retry comes within minutes, not days).
    public func forgetIdempotencyKeys(olderThan age: Double) async throws {
        let before = clock() - age
        try await store.write { q in try q.forgetIdempotencyKeys(before: before) }
    }
}
