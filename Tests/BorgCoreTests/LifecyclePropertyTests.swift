import PropertyBased
import Testing
@testable import BorgCore

/// Random interleavings of dispatches to honest and lying donors, reports, errors, timeouts, abandons,
/// backups and cancels: the rules never lose a work unit, never validate a lie at quorum two or more
/// (adaptive replication included: liars never agree, so they never earn trust; under a collusion guard
/// the liars all tell the same lie and are still never validated), never exceed the limits, and always
/// terminate.
@Suite struct LifecyclePropertyTests {
    static let events = Gen.int(in: 0...7).array(of: 0...40)
    static let policies = Gen.int(in: 1...3).array(of: 4...4)

    @Test func randomInterleavingsKeepTheInvariants() async {
        await propertyCheck(count: 1000, input: Self.policies, Self.events) { shape, events in
            let quorum = shape[0]
            let replication = quorum + shape[1] - 1
            let policy = ProjectPolicy(
                replication: replication, quorum: quorum, maxErrorTasks: shape[2],
                maxTotalTasks: replication + shape[3] * 2, deadlineSeconds: 100,
                adaptiveReplication: shape[3] == 3 ? AdaptiveReplicationPolicy(trustThreshold: 1, spotCheckProbability: 0.5) : nil,
                collusionGuard: shape[3] == 2 ? CollusionGuard(untrustedQuorum: Self.colluders + 1) : nil)
            // Only the returning honest donors are trusted; the liars collude when a guard is on.
            var h = LifecycleHarness(policy: policy, trustedHosts: Set((0..<3).map { HostID(Self.firstTrusted + $0) }))
            var donor: DonorID = 0
            for (step, event) in events.enumerated() {
                run(event, step: step, &h, &donor)
                checkInvariants(h)
            }
            // Drain: honest fresh donors until the work unit ends. It must end within the task limit.
            var rounds = 0
            while h.wu.status == .active && rounds < policy.maxTotalTasks * 4 {
                rounds += 1
                donor = DonorID(donor.rawValue + 1)
                if let t = try? h.dispatch(donor: donor) {
                    try? h.succeed(t)
                } else if let running = h.wu.tasks.first(where: { $0.state == .inProgress }) {
                    try? h.succeed(running.id)
                }
                checkInvariants(h)
            }
            #expect(h.wu.status != .active, "work unit did not terminate: \(h.wu)")
        }
    }

    /// Applies one random event. `event` picks the kind; `step` varies the target.
    func run(_ event: Int, step: Int, _ h: inout LifecycleHarness, _ donor: inout DonorID) {
        let running = h.wu.tasks.filter { $0.state == .inProgress }
        let target = running.isEmpty ? nil : running[step % running.count].id
        switch event {
        case 0:
            donor = DonorID(donor.rawValue + 1)
            _ = try? h.dispatch(donor: donor, consecutiveValid: step % 3, draw: Double(step % 10) / 10)
        case 1:
            // One of a few returning honest donors with a long run of valid results: they may come back
            // after a timeout or an abandon, and may be trusted with a work unit alone.
            _ = try? h.dispatch(donor: DonorID(Self.firstTrusted + Int64(step % 3)), consecutiveValid: 1_000,
                                draw: Double(step % 10) / 10)
        case 2: if let t = target { try? h.succeed(t, outputs: Self.output(of: t, in: h)) }
        case 3:
            // One of a few liars: they never agree with anyone, so they have no trust.
            _ = try? h.dispatch(donor: DonorID(Self.firstLiar + Int64(step % Self.colluders)), consecutiveValid: 0,
                                draw: Double(step % 10) / 10)
        case 4: if let t = target { try? h.fail(t) }
        case 5: h.passDeadline()
        case 6:
            if let t = target { h.apply(h.lifecycle.abandon([t], in: &h.wu)) } else { h.apply(h.lifecycle.requestBackup(in: &h.wu)) }
        default:
            if step % 13 == 0 { h.apply(h.lifecycle.cancel(&h.wu)) } else { h.apply(h.lifecycle.requestBackup(in: &h.wu)) }
        }
    }

    /// Donors from this id on lie in every report.
    static let firstLiar: Int64 = 2_000
    /// How many lying donors there are.
    static let colluders = 3
    /// The returning honest donors, trusted in the project.
    static let firstTrusted: Int64 = 1_000

    /// What the task's donor reports: the honest output, or a lie: its own, or under a collusion guard the
    /// one all liars agree on.
    static func output(of task: TaskID, in h: LifecycleHarness) -> [FileDigest] {
        guard (h.task(task).donorID?.rawValue ?? 0) >= firstLiar else { return LifecycleHarness.honest }
        return h.lifecycle.policy.collusionGuard == nil ? LifecycleHarness.lie(task) : LifecycleHarness.collusion
    }

    func checkInvariants(_ h: LifecycleHarness) {
        let wu = h.wu
        let policy = h.lifecycle.policy
        #expect(wu.tasks.count <= policy.maxTotalTasks, "task limit exceeded")
        let excluding = wu.tasks.filter(\.state.excludesDonor).compactMap(\.donorID)
        #expect(Set(excluding).count == excluding.count, "a donor got two running, reported or errored tasks of one work unit")
        for t in wu.tasks {
            if t.credit > 0 { #expect(t.validateState == .valid, "credited a task that is not valid") }
            if t.validateState == .valid {
                #expect(t.state == .success)
                // With a quorum of 2 or more, liars (who never agree, and so are never trusted) can never be
                // validated, whether the work unit was ever run alone or not.
                if policy.quorum >= 2 {
                    #expect(t.outputs == LifecycleHarness.honest, "a lie was validated: \(wu)")
                }
            }
        }
        switch wu.status {
        case .active:
            #expect(wu.outstandingCount > 0, "an active work unit has nothing outstanding: it would be lost")
            #expect(wu.canonicalTaskID == nil)
        case .completed:
            let canonical = wu.tasks.first { $0.id == wu.canonicalTaskID }
            #expect(canonical?.validateState == .valid)
            #expect(wu.tasks.count { $0.validateState == .valid } >= wu.quorum)
            #expect(wu.outstandingCount == 0)
        case .failed, .cancelled:
            #expect(wu.errorReason != nil)
            #expect(wu.outstandingCount == 0)
            #expect(wu.canonicalTaskID == nil)
        }
    }
}
