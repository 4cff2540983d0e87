import Testing
@testable import BorgCore

@Suite struct WorkUnitLifecycleTests {
    let policy = ProjectPolicy(replication: 2, quorum: 2, maxErrorTasks: 2, maxTotalTasks: 5, deadlineSeconds: 100)

    @Test func twoAgreeingSuccessesMakeTheFirstCanonicalAndCreditBoth() throws {
        var h = LifecycleHarness(policy: policy)
        let a = try #require(try h.dispatch(donor: 1))
        let b = try #require(try h.dispatch(donor: 2))
        try h.succeed(b)
        #expect(h.wu.status == .active)
        try h.succeed(a)
        #expect(h.wu.status == .completed)
        #expect(h.wu.canonicalTaskID == b)
        #expect(h.task(a).validateState == .valid && h.task(b).validateState == .valid)
        let credit = ProjectPolicy().credit.credit(measuredWork: 0)
        #expect(h.task(a).credit == credit && credit > 0)
        #expect(h.outcomes.last?.validated.count == 2)
        #expect(h.outcomes.last?.finished == true)
    }

    @Test func cobblestoneScaleIs200CreditsPerGigaflopDay() {
        #expect(Cobblestone.credit(flops: 1e9 * 86_400) == 200)
    }

    @Test func disagreementIsInconclusiveAndIssuesOneMoreTask() throws {
        var h = LifecycleHarness(policy: policy)
        let a = try #require(try h.dispatch(donor: 1))
        let b = try #require(try h.dispatch(donor: 2))
        try h.succeed(a, outputs: LifecycleHarness.lie(a))
        try h.succeed(b)
        #expect(h.wu.status == .active)
        #expect(h.task(a).validateState == .inconclusive && h.task(b).validateState == .inconclusive)
        #expect(h.wu.tasks.count == 3)
        let c = try #require(try h.dispatch(donor: 3))
        try h.succeed(c)
        #expect(h.wu.status == .completed)
        #expect(h.wu.canonicalTaskID == b)
        #expect(h.task(a).validateState == .invalid && h.task(a).credit == 0)
        #expect(h.task(c).validateState == .valid)
        #expect(h.outcomes.last?.invalidated == [a])
    }

    @Test func errorIsReissuedAndTooManyErrorsFailTheWorkUnit() throws {
        var h = LifecycleHarness(policy: policy)
        let a = try #require(try h.dispatch(donor: 1))
        try h.fail(a)
        #expect(h.wu.tasks.count == 3, "an error is replaced")
        let b = try #require(try h.dispatch(donor: 2))
        try h.fail(b)
        let c = try #require(try h.dispatch(donor: 3))
        try h.fail(c)
        #expect(h.wu.status == .failed)
        #expect(h.wu.errorReason?.contains("too many errors") == true)
        #expect(h.wu.tasks.allSatisfy { !$0.state.isOutstanding })
    }

    @Test func timeoutIsReissuedAndLateReportIsRefused() throws {
        var h = LifecycleHarness(policy: policy)
        let a = try #require(try h.dispatch(donor: 1))
        h.passDeadline()
        #expect(h.task(a).state == .timedOut)
        #expect(h.wu.tasks.count == 3)
        #expect(throws: LifecycleError.taskNotInProgress(a, .timedOut)) { try h.succeed(a) }
    }

    @Test func abandonReissuesAtOnceWithoutCountingAsError() throws {
        var h = LifecycleHarness(policy: ProjectPolicy(replication: 2, quorum: 2, maxErrorTasks: 0, maxTotalTasks: 4))
        let a = try #require(try h.dispatch(donor: 1))
        h.apply(h.lifecycle.abandon([a], in: &h.wu))
        #expect(h.task(a).state == .abandoned)
        #expect(h.wu.status == .active)
        #expect(h.wu.tasks.filter { $0.state == .unsent }.count == 2)
    }

    @Test func sameDonorNeverGetsTwoTasksOfOneWorkUnitWhileOneRunsOrCounts() throws {
        var h = LifecycleHarness(policy: ProjectPolicy(replication: 3, quorum: 2, maxErrorTasks: 3, maxTotalTasks: 8))
        let a = try #require(try h.dispatch(donor: 7))
        #expect(throws: LifecycleError.donorAlreadyHasTask(1, 7)) { try h.dispatch(donor: 7) }
        try h.succeed(a)
        #expect(throws: LifecycleError.donorAlreadyHasTask(1, 7)) { try h.dispatch(donor: 7) }
        let b = try #require(try h.dispatch(donor: 8))
        try h.fail(b)
        #expect(throws: LifecycleError.donorAlreadyHasTask(1, 8)) { try h.dispatch(donor: 8) }
    }

    /// With few donors, work units whose tasks were abandoned or timed out (a crash, a restart) must still
    /// reach a quorum: those donors may take the work unit again.
    @Test func aDonorWhoseTaskWasAbandonedOrTimedOutMayTakeTheWorkUnitAgain() throws {
        var h = LifecycleHarness(policy: ProjectPolicy(replication: 2, quorum: 2, maxErrorTasks: 3, maxTotalTasks: 8))
        let a = try #require(try h.dispatch(donor: 1))
        let b = try #require(try h.dispatch(donor: 2))
        h.apply(h.lifecycle.abandon([a, b], in: &h.wu))
        _ = try #require(try h.dispatch(donor: 1))
        h.passDeadline()
        let d = try #require(try h.dispatch(donor: 1))
        let e = try #require(try h.dispatch(donor: 2))
        try h.succeed(d)
        try h.succeed(e)
        #expect(h.wu.status == .completed)
        #expect(Set([h.task(d).donorID, h.task(e).donorID]) == [1, 2])
    }

    @Test func reportFromAnotherHostIsRefused() throws {
        var h = LifecycleHarness(policy: policy)
        let a = try #require(try h.dispatch(donor: 1))
        #expect(throws: LifecycleError.notAssignedToHost(a)) {
            try h.lifecycle.report(a, from: 99, success: true, in: &h.wu, now: h.now)
        }
    }

    @Test func taskLimitEndsTheWorkUnitWithAReason() throws {
        var h = LifecycleHarness(policy: ProjectPolicy(replication: 2, quorum: 2, maxErrorTasks: 9, maxTotalTasks: 3))
        let a = try #require(try h.dispatch(donor: 1))
        let b = try #require(try h.dispatch(donor: 2))
        try h.succeed(a, outputs: LifecycleHarness.lie(a))
        try h.succeed(b, outputs: LifecycleHarness.lie(b))
        let c = try #require(try h.dispatch(donor: 3))
        try h.succeed(c, outputs: LifecycleHarness.lie(c))
        #expect(h.wu.status == .failed)
        #expect(h.wu.errorReason?.contains("maxTotalTasks") == true)
        #expect(h.wu.tasks.allSatisfy { $0.credit == 0 })
    }

    @Test func completionCancelsOutstandingTasksAndNamesTheInProgressOnes() throws {
        var h = LifecycleHarness(policy: ProjectPolicy(replication: 3, quorum: 2, maxTotalTasks: 6))
        let a = try #require(try h.dispatch(donor: 1))
        let b = try #require(try h.dispatch(donor: 2))
        let c = try #require(try h.dispatch(donor: 3))
        try h.succeed(a)
        try h.succeed(b)
        #expect(h.wu.status == .completed)
        #expect(h.task(c).state == .cancelled)
        #expect(h.outcomes.last?.cancelledInProgress == [c])
    }

    @Test func trustedHostRunsAloneAndFallsBackOnError() throws {
        let adaptive = ProjectPolicy(replication: 2, quorum: 2, maxTotalTasks: 6,
            adaptiveReplication: AdaptiveReplicationPolicy(trustThreshold: 5, spotCheckProbability: 0.2))
        var h = LifecycleHarness(policy: adaptive)
        let a = try #require(try h.dispatch(donor: 1, consecutiveValid: 5, draw: 0.5))
        #expect(h.wu.runsAlone && h.wu.quorum == 1)
        #expect(h.wu.tasks.filter { $0.state == .cancelled }.count == 1)
        try h.fail(a)
        #expect(!h.wu.runsAlone && h.wu.quorum == 2)
        #expect(h.wu.tasks.filter { $0.state == .unsent }.count == 2)

        var alone = LifecycleHarness(policy: adaptive)
        let t = try #require(try alone.dispatch(donor: 1, consecutiveValid: 5, draw: 0.5))
        try alone.succeed(t)
        #expect(alone.wu.status == .completed && alone.task(t).validateState == .valid)
    }

    @Test func aSecondHostInAWorkUnitRunAloneNeedsTheFullQuorum() throws {
        let adaptive = ProjectPolicy(replication: 2, quorum: 2, maxTotalTasks: 6,
            adaptiveReplication: AdaptiveReplicationPolicy(trustThreshold: 5, spotCheckProbability: 0.2))
        var h = LifecycleHarness(policy: adaptive)
        let trusted = try #require(try h.dispatch(donor: 1, consecutiveValid: 5, draw: 0.5))
        #expect(h.wu.runsAlone && h.wu.quorum == 1)
        h.apply(h.lifecycle.requestBackup(in: &h.wu))
        let backup = try #require(try h.dispatch(donor: 2))
        #expect(!h.wu.runsAlone && h.wu.quorum == 2, "the backup's host is not the trusted one")
        try h.succeed(backup, outputs: LifecycleHarness.lie(backup))
        #expect(h.wu.status == .active && h.task(backup).validateState != .valid, "a backup's result never stands alone")
        try h.succeed(trusted)
        #expect(h.wu.status == .active, "the trusted host and the backup disagree: one more opinion is needed")
    }

    static let guarded = ProjectPolicy(replication: 2, quorum: 2, maxTotalTasks: 6,
                                       collusionGuard: CollusionGuard(trustThreshold: 5, untrustedQuorum: 3))

    @Test func colludersWithoutTrustCannotDecideAWorkUnitAtTheQuorum() throws {
        var h = LifecycleHarness(policy: Self.guarded)
        let mallory = try #require(try h.dispatch(donor: 1))
        let trent = try #require(try h.dispatch(donor: 2))
        try h.succeed(mallory, outputs: LifecycleHarness.collusion)
        try h.succeed(trent, outputs: LifecycleHarness.collusion)
        #expect(h.wu.status == .active, "two untrusted hosts agreeing decided the work unit")
        #expect(h.task(mallory).validateState == .inconclusive && h.wu.tasks.count == 3)
        // Honest hosts outvote them once three agree.
        for donor: DonorID in [3, 4, 5] {
            let t = try #require(try h.dispatch(donor: donor))
            try h.succeed(t)
        }
        #expect(h.wu.status == .completed)
        #expect(h.task(h.wu.canonicalTaskID!).outputs == LifecycleHarness.honest)
        #expect(h.task(mallory).validateState == .invalid && h.task(trent).validateState == .invalid)
    }

    @Test func aTrustedHostsAgreementDecidesAtTheQuorum() throws {
        var h = LifecycleHarness(policy: Self.guarded, trustedHosts: [HostID(1)])
        let trusted = try #require(try h.dispatch(donor: 1))
        let other = try #require(try h.dispatch(donor: 2))
        try h.succeed(trusted)
        try h.succeed(other)
        #expect(h.wu.status == .completed && h.wu.tasks.count == 2)
    }

    @Test func aCollusionGuardMustAskForMoreThanTheQuorum() {
        #expect(throws: PolicyError.self) {
            try ProjectPolicy(quorum: 2, collusionGuard: CollusionGuard(untrustedQuorum: 2)).validate()
        }
        #expect(throws: PolicyError.self) {
            try ProjectPolicy(maxTotalTasks: 8, collusionGuard: CollusionGuard(untrustedQuorum: 9)).validate()
        }
        #expect(throws: PolicyError.self) {
            try ProjectPolicy(replication: 2, quorum: 1, collusionGuard: CollusionGuard(untrustedQuorum: 2)).validate()
        }
        #expect(throws: Never.self) { try ProjectPolicy(collusionGuard: CollusionGuard()).validate() }
    }

    @Test func spotCheckAndUntrustedHostsAreReplicated() throws {
        let adaptive = ProjectPolicy(adaptiveReplication: AdaptiveReplicationPolicy(trustThreshold: 5, spotCheckProbability: 0.2))
        var spot = LifecycleHarness(policy: adaptive)
        try spot.dispatch(donor: 1, consecutiveValid: 50, draw: 0.1)
        #expect(!spot.wu.runsAlone && spot.wu.quorum == 2)
        var untrusted = LifecycleHarness(policy: adaptive)
        try untrusted.dispatch(donor: 1, consecutiveValid: 4, draw: 0.9)
        #expect(!untrusted.wu.runsAlone)
    }

    @Test func backupIsIssuedOnceAndFirstQuorumWins() throws {
        var h = LifecycleHarness(policy: policy)
        let a = try #require(try h.dispatch(donor: 1))
        let b = try #require(try h.dispatch(donor: 2))
        h.apply(h.lifecycle.requestBackup(in: &h.wu))
        #expect(h.wu.tasks.count == 3 && h.wu.tasks[2].isBackup)
        h.apply(h.lifecycle.requestBackup(in: &h.wu))
        #expect(h.wu.tasks.count == 3, "one backup at a time")
        let backup = try #require(try h.dispatch(donor: 3))
        try h.succeed(a)
        try h.succeed(backup)
        #expect(h.wu.status == .completed)
        #expect(h.task(b).state == .cancelled)
        #expect(h.outcomes.last?.cancelledInProgress == [b])
    }

    @Test func cancelStopsEverything() throws {
        var h = LifecycleHarness(policy: policy)
        let a = try #require(try h.dispatch(donor: 1))
        let outcome = h.lifecycle.cancel(&h.wu)
        #expect(h.wu.status == .cancelled)
        #expect(outcome.cancelledInProgress == [a])
        #expect(h.wu.tasks.allSatisfy { $0.state == .cancelled })
    }

    @Test func fuzzyValidatorAcceptsSmallDifferencesOnly() {
        let validator = OutputValidator(kind: .fuzzy(relativeTolerance: 1e-6, absoluteTolerance: 0))
        let a = FileDigest(name: "out", sha256: "a", size: 1)
        let b = FileDigest(name: "out", sha256: "b", size: 1)
        func agree(_ x: String, _ y: String) -> Bool {
            validator.agree([a], [b]) { $0.sha256 == "a" ? Array(x.utf8) : Array(y.utf8) }
        }
        #expect(agree("energy 1.0000001 steps 10\n", "energy 1.0000002 steps 10"))
        #expect(!agree("energy 1.01 steps 10", "energy 1.02 steps 10"))
        #expect(!agree("energy 1.0 steps 10", "Energy 1.0 steps 10"))
        #expect(!agree("1, 2, 3", "1, 2"))
        #expect(agree("1.5e-3,2", "0.0015,2"))
    }

    /// A cheater cannot make a tolerance infinite: a non-finite number agrees with nothing, itself included.
    @Test func fuzzyValidatorRejectsNonFiniteNumbers() {
        let validator = OutputValidator(kind: .fuzzy(relativeTolerance: 1e-6, absoluteTolerance: 1e-9))
        let a = FileDigest(name: "out", sha256: "a", size: 1)
        let b = FileDigest(name: "out", sha256: "b", size: 1)
        func agree(_ x: String, _ y: String) -> Bool {
            validator.agree([a], [b]) { $0.sha256 == "a" ? Array(x.utf8) : Array(y.utf8) }
        }
        #expect(!agree("+inf +inf +inf", "0.5 0.25 1.0"))
        #expect(!agree("0.5 0.25 1.0", "+inf +inf +inf"))
        #expect(!agree("+inf +inf +inf", "+inf +inf +inf"))
        #expect(!agree("1e999", "1e999"))
        #expect(!agree("nan", "nan"))
        #expect(!agree("-Infinity 1", "-Infinity 1"))
        #expect(agree("0.5 0.25 1.0", "0.5 0.25 1.0000001"))
    }

    @Test func policyNumbersAreBounded() {
        #expect(throws: PolicyError.self) { try ProjectPolicy(replication: 4_611_686_018_427_387_904, quorum: 2).validate() }
        #expect(throws: PolicyError.self) { try ProjectPolicy(replication: 100_000_000, quorum: 2, maxTotalTasks: 100_000_000).validate() }
        #expect(throws: PolicyError.self) { try ProjectPolicy(quorum: 21).validate() }
        #expect(throws: PolicyError.self) { try ProjectPolicy(maxErrorTasks: 1_000).validate() }
        #expect(throws: PolicyError.self) { try ProjectPolicy(deadlineSeconds: 1e300).validate() }
        #expect(throws: PolicyError.self) { try ProjectPolicy(maxInputBytes: Int.max).validate() }
        #expect(throws: PolicyError.self) { try ProjectPolicy(credit: .fixed(flopsPerWorkUnit: .infinity)).validate() }
        #expect(throws: PolicyError.self) {
            try ProjectPolicy(adaptiveReplication: AdaptiveReplicationPolicy(trustThreshold: Int.max)).validate()
        }
        #expect(throws: Never.self) {
            try ProjectPolicy(replication: 20, quorum: 20, maxErrorTasks: 100, maxTotalTasks: 100, deadlineSeconds: 90 * 86_400,
                              maxInputBytes: 256 << 20, maxOutputBytes: 256 << 20).validate()
        }
    }

    @Test func policyValidationNamesTheField() {
        #expect(throws: PolicyError("replication (1) must be at least quorum (2)")) {
            try ProjectPolicy(replication: 1, quorum: 2).validate()
        }
        #expect(throws: PolicyError.self) { try PolicyOverride(maxTotalTasks: 1).applied(to: ProjectPolicy()) }
        #expect((try? PolicyOverride(quorum: 1).applied(to: ProjectPolicy()))?.quorum == 1)
    }
}
