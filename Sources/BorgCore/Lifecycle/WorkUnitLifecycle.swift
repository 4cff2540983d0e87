/// The work-unit lifecycle rules: pure functions from an event and a ``WorkUnitState`` to the next state.
///
/// No I/O and no clock: time arrives as `now` (seconds since 1970), randomness as `draw`, and output
/// contents through `load`. After every event the work unit is *settled*: errors are counted, successes
/// validated against the quorum, and new tasks requested so that a quorum remains reachable.
public struct WorkUnitLifecycle: Sendable {
    public let policy: ProjectPolicy
    /// Hosts of this work unit trusted in its project, for the policy's ``CollusionGuard``.
    public let trustedHosts: Set<HostID>
    let validator: OutputValidator

    public init(policy: ProjectPolicy, trustedHosts: Set<HostID> = []) {
        self.policy = policy
        self.trustedHosts = trustedHosts
        self.validator = OutputValidator(kind: policy.validator)
    }

    /// The state of a new work unit whose first tasks have the given ids (`policy.replication` of them).
    public func newWorkUnit(id: WorkUnitID, taskIDs: [TaskID]) -> WorkUnitState {
        WorkUnitState(id: id, quorum: policy.quorum, tasks: taskIDs.map { TaskRecord(id: $0) })
    }

    /// Sends an unsent task to a host of `donorID`, unless a task of the donor running, reported or
    /// errored on this work unit excludes it (``TaskState/excludesDonor``).
    ///
    /// With adaptive replication, a host with `consecutiveValid` valid results in a row may get the work
    /// unit alone unless `draw` (uniform in [0, 1)) picks a spot check; the other unsent tasks are then
    /// cancelled and the quorum drops to 1.
    public func dispatch(
        _ taskID: TaskID, to hostID: HostID, donor donorID: DonorID, in wu: inout WorkUnitState,
        now: Double, consecutiveValid: Int = 0, draw: Double = 0
    ) throws(LifecycleError) {
        guard wu.status == .active else { throw .workUnitNotActive(wu.id, wu.status) }
        guard let i = wu.index(of: taskID) else { throw .unknownTask(taskID) }
        guard wu.tasks[i].state == .unsent else { throw .taskNotInProgress(taskID, wu.tasks[i].state) }
        guard !wu.tasks.contains(where: { $0.donorID == donorID && $0.state.excludesDonor }) else {
            throw .donorAlreadyHasTask(wu.id, donorID)
        }
        let firstDispatch = wu.tasks.allSatisfy { $0.state == .unsent }
        wu.tasks[i].state = .inProgress
        wu.tasks[i].hostID = hostID
        wu.tasks[i].donorID = donorID
        wu.tasks[i].sentAt = now
        wu.tasks[i].deadline = now + policy.deadlineSeconds
        if firstDispatch, let adaptive = policy.adaptiveReplication,
            adaptive.runsAlone(consecutiveValid: consecutiveValid, draw: draw)
        {
            wu.runsAlone = true
            wu.quorum = 1
            for j in wu.tasks.indices where wu.tasks[j].state == .unsent {
                wu.tasks[j].state = .cancelled
            }
        } else if wu.runsAlone {
            // Only the trusted host's own result may stand alone: a second host (a backup, a reissue) joins
            // a work unit that now needs the full quorum.
            wu.runsAlone = false
            wu.quorum = policy.quorum
        }
    }

    /// A host reports a task it was given: success with outputs, or an error.
    public func report(
        _ taskID: TaskID, from hostID: HostID, success: Bool, outputs: [FileDigest] = [],
        measuredWork: Double = 0, in wu: inout WorkUnitState, now: Double,
        load: (FileDigest) -> [UInt8]? = { _ in nil }
    ) throws(LifecycleError) -> LifecycleOutcome {
        guard let i = wu.index(of: taskID) else { throw .unknownTask(taskID) }
        guard wu.tasks[i].hostID == hostID else { throw .notAssignedToHost(taskID) }
        guard wu.tasks[i].state == .inProgress else { throw .taskNotInProgress(taskID, wu.tasks[i].state) }
        wu.tasks[i].state = success ? .success : .error
        wu.tasks[i].reportedAt = now
        wu.tasks[i].outputs = success ? outputs : []
        wu.tasks[i].measuredWork = success ? measuredWork : 0
        return settle(&wu, load: load)
    }

    /// Marks every in-progress task whose deadline has passed as timed out.
    public func expireDeadlines(in wu: inout WorkUnitState, now: Double, load: (FileDigest) -> [UInt8]? = { _ in nil })
        -> LifecycleOutcome
    {
        var changed = false
        for i in wu.tasks.indices where wu.tasks[i].state == .inProgress {
            if let deadline = wu.tasks[i].deadline, deadline <= now {
                wu.tasks[i].state = .timedOut
                changed = true
            }
        }
        return changed ? settle(&wu, load: load) : LifecycleOutcome()
    }

    /// The host of these tasks left the grid: they are reissued at once.
    public func abandon(_ taskIDs: [TaskID], in wu: inout WorkUnitState, load: (FileDigest) -> [UInt8]? = { _ in nil })
        -> LifecycleOutcome
    {
        var changed = false
        for i in wu.tasks.indices where taskIDs.contains(wu.tasks[i].id) && wu.tasks[i].state == .inProgress {
            wu.tasks[i].state = .abandoned
            changed = true
        }
        return changed ? settle(&wu, load: load) : LifecycleOutcome()
    }

    /// Asks for a backup task because the work unit is running late; a no-op when one is already waiting
    /// or running, when nothing is running, or when the task limit is reached.
    public func requestBackup(in wu: inout WorkUnitState) -> LifecycleOutcome {
        var outcome = LifecycleOutcome()
        guard wu.status == .active,
            wu.tasks.contains(where: { $0.state == .inProgress }),
            !wu.tasks.contains(where: { $0.state == .unsent }),
            !wu.tasks.contains(where: { $0.isBackup && $0.state.isOutstanding }),
            wu.tasks.count < policy.maxTotalTasks
        else { return outcome }
        outcome.backupsToCreate = 1
        return outcome
    }

    /// The submitter cancelled the work unit.
    public func cancel(_ wu: inout WorkUnitState) -> LifecycleOutcome {
        var outcome = LifecycleOutcome()
        guard wu.status == .active else { return outcome }
        wu.status = .cancelled
        wu.errorReason = "cancelled by the submitter"
        outcome.cancelledInProgress = cancelOutstanding(&wu)
        outcome.finished = true
        return outcome
    }

    // MARK: - Settling

    /// Applies the rules after any change: error limit, quorum validation, replacement tasks.
    func settle(_ wu: inout WorkUnitState, load: (FileDigest) -> [UInt8]?) -> LifecycleOutcome {
        var outcome = LifecycleOutcome()
        guard wu.status == .active else { return outcome }
        fallBackFromRunningAlone(&wu)

        let errors = wu.tasks.count { $0.state.isError }
        if errors > policy.maxErrorTasks {
            fail(&wu, reason: "too many errors: \(errors) tasks errored or timed out (maxErrorTasks \(policy.maxErrorTasks))",
                outcome: &outcome)
            return outcome
        }
        validate(&wu, outcome: &outcome, load: load)
        if wu.status == .active { replenish(&wu, outcome: &outcome) }
        return outcome
    }

    /// A trusted host that was running a work unit alone failed it: go back to normal replication.
    func fallBackFromRunningAlone(_ wu: inout WorkUnitState) {
        guard wu.runsAlone else { return }
        let stillPossible = wu.tasks.contains { $0.state.isOutstanding || $0.state == .success }
        if !stillPossible {
            wu.runsAlone = false
            wu.quorum = policy.quorum
        }
    }

    /// With `quorum` viable successes, looks for an agreeing group; its earliest-reported member becomes canonical.
    func validate(_ wu: inout WorkUnitState, outcome: inout LifecycleOutcome, load: (FileDigest) -> [UInt8]?) {
        let candidates = wu.tasks.indices.filter {
            wu.tasks[$0].state == .success && wu.tasks[$0].validateState != .invalid
        }.sorted { (wu.tasks[$0].reportedAt ?? 0, $0) < (wu.tasks[$1].reportedAt ?? 0, $1) }
        guard candidates.count >= wu.quorum else { return }
        for c in candidates {
            let group = candidates.filter {
                $0 == c || validator.agree(wu.tasks[c].outputs, wu.tasks[$0].outputs, load: load)
            }
            guard group.count >= wu.quorum, decides(group, in: wu) else { continue }
            // Measured credit goes by the least work any agreeing task claims: one host cannot inflate it.
            let credit = policy.credit.credit(measuredWork: group.map { wu.tasks[$0].measuredWork }.min() ?? 0)
            for i in candidates {
                if group.contains(i) {
                    wu.tasks[i].validateState = .valid
                    wu.tasks[i].credit = credit
                    outcome.validated.append(CreditGrant(
                        taskID: wu.tasks[i].id, hostID: wu.tasks[i].hostID, donorID: wu.tasks[i].donorID, credit: credit))
                } else {
                    wu.tasks[i].validateState = .invalid
                    outcome.invalidated.append(wu.tasks[i].id)
                }
            }
            wu.canonicalTaskID = wu.tasks[c].id
            wu.status = .completed
            outcome.cancelledInProgress = cancelOutstanding(&wu)
            outcome.finished = true
            return
        }
        for i in candidates { wu.tasks[i].validateState = .inconclusive }
    }

    /// Whether an agreeing group (indices of tasks) passes the policy's collusion guard.
    func decides(_ group: [Int], in wu: WorkUnitState) -> Bool {
        guard let collusionGuard = policy.collusionGuard else { return true }
        let anyTrusted = group.contains { wu.tasks[$0].hostID.map(trustedHosts.contains) ?? false }
        return collusionGuard.accepts(groupOf: group.count, anyTrusted: anyTrusted, quorum: wu.quorum)
    }

    /// Requests tasks so that successes plus outstanding tasks can still reach the target; fails the
    /// work unit when nothing is outstanding and the task limit allows no more.
    func replenish(_ wu: inout WorkUnitState, outcome: inout LifecycleOutcome) {
        let viable = wu.tasks.count { $0.state == .success && $0.validateState != .invalid }
        let outstanding = wu.outstandingCount
        var target = wu.runsAlone ? 1 : max(policy.replication, wu.quorum)
        if viable >= wu.quorum { target = max(target, viable + 1) }  // inconclusive: one more opinion
        let needed = target - viable - outstanding
        guard needed > 0 else { return }
        let room = max(0, policy.maxTotalTasks - wu.tasks.count)
        let create = min(needed, room)
        outcome.tasksToCreate = create
        if create == 0 && outstanding == 0 {
            fail(&wu, reason: "no quorum of \(wu.quorum) agreeing results within maxTotalTasks (\(policy.maxTotalTasks))",
                outcome: &outcome)
        }
    }

    func fail(_ wu: inout WorkUnitState, reason: String, outcome: inout LifecycleOutcome) {
        wu.status = .failed
        wu.errorReason = reason
        outcome.cancelledInProgress = cancelOutstanding(&wu)
        outcome.finished = true
        outcome.tasksToCreate = 0
    }

    /// Cancels unsent and in-progress tasks; returns the in-progress ones (their hosts must be told).
    func cancelOutstanding(_ wu: inout WorkUnitState) -> [TaskID] {
        var told: [TaskID] = []
        for i in wu.tasks.indices where wu.tasks[i].state.isOutstanding {
            if wu.tasks[i].state == .inProgress { told.append(wu.tasks[i].id) }
            wu.tasks[i].state = .cancelled
        }
        return told
    }
}
