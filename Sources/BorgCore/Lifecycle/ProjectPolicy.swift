/// How a project's work units are replicated, validated and credited.
///
/// Set per project, overridable per batch (see ``PolicyOverride``).
public struct ProjectPolicy: Codable, Sendable, Equatable {
    /// Tasks issued when a work unit is created (BOINC's `target_nresults`).
    public var replication: Int
    /// Agreeing successful tasks needed to accept an output (BOINC's `min_quorum`).
    public var quorum: Int
    /// Errored or timed-out tasks tolerated; one more and the work unit errors out.
    public var maxErrorTasks: Int
    /// Tasks a work unit may ever have, backups included.
    public var maxTotalTasks: Int
    /// Seconds a host has to report a task after it was sent.
    public var deadlineSeconds: Double
    /// How outputs are compared.
    public var validator: ValidatorKind
    /// How credit is granted for a valid task.
    public var credit: CreditPolicy
    /// Single-replica work for trusted hosts, with random spot checks. `nil` disables it.
    public var adaptiveReplication: AdaptiveReplicationPolicy?
    /// Agreement among untrusted hosts needs more voices than the quorum. `nil` disables it.
    public var collusionGuard: CollusionGuard?
    /// Largest input file accepted for a work unit, in bytes.
    public var maxInputBytes: Int
    /// Largest output file accepted from a host, in bytes.
    public var maxOutputBytes: Int

    public init(
        replication: Int = 2, quorum: Int = 2, maxErrorTasks: Int = 3, maxTotalTasks: Int = 8,
        deadlineSeconds: Double = 3600, validator: ValidatorKind = .bitwise,
        credit: CreditPolicy = .fixed(flopsPerWorkUnit: 1e12),
        adaptiveReplication: AdaptiveReplicationPolicy? = nil, collusionGuard: CollusionGuard? = nil,
        maxInputBytes: Int = 16 << 20, maxOutputBytes: Int = 16 << 20
    ) {
        self.replication = replication
        self.quorum = quorum
        self.maxErrorTasks = maxErrorTasks
        self.maxTotalTasks = maxTotalTasks
        self.deadlineSeconds = deadlineSeconds
        self.validator = validator
        self.credit = credit
        self.adaptiveReplication = adaptiveReplication
        self.collusionGuard = collusionGuard
        self.maxInputBytes = maxInputBytes
        self.maxOutputBytes = maxOutputBytes
    }

    enum CodingKeys: String, CodingKey {
        case replication, quorum, maxErrorTasks, maxTotalTasks, deadlineSeconds, validator, credit
        case adaptiveReplication, collusionGuard, maxInputBytes, maxOutputBytes
    }

    /// Decodes a policy; every field is optional and falls back to its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ProjectPolicy()
        self.init(
            replication: try c.decodeIfPresent(Int.self, forKey: .replication) ?? d.replication,
            quorum: try c.decodeIfPresent(Int.self, forKey: .quorum) ?? d.quorum,
            maxErrorTasks: try c.decodeIfPresent(Int.self, forKey: .maxErrorTasks) ?? d.maxErrorTasks,
            maxTotalTasks: try c.decodeIfPresent(Int.self, forKey: .maxTotalTasks) ?? d.maxTotalTasks,
            deadlineSeconds: try c.decodeIfPresent(Double.self, forKey: .deadlineSeconds) ?? d.deadlineSeconds,
            validator: try c.decodeIfPresent(ValidatorKind.self, forKey: .validator) ?? d.validator,
            credit: try c.decodeIfPresent(CreditPolicy.self, forKey: .credit) ?? d.credit,
            adaptiveReplication: try c.decodeIfPresent(AdaptiveReplicationPolicy.self, forKey: .adaptiveReplication),
            collusionGuard: try c.decodeIfPresent(CollusionGuard.self, forKey: .collusionGuard),
            maxInputBytes: try c.decodeIfPresent(Int.self, forKey: .maxInputBytes) ?? d.maxInputBytes,
            maxOutputBytes: try c.decodeIfPresent(Int.self, forKey: .maxOutputBytes) ?? d.maxOutputBytes
        )
    }

    /// The largest values a policy may hold: every number from a submitter is bounded, so no product or
    /// sum of them can overflow and no batch can ask for unbounded work.
    public enum Limits {
        /// Most tasks issued at first, and the largest quorum.
        public static let maxReplication = 20
        /// Most tasks a work unit may ever have.
        public static let maxTotalTasks = 100
        /// Most errored or timed-out tasks tolerated.
        public static let maxErrorTasks = 100
        /// Longest deadline: 90 days.
        public static let maxDeadlineSeconds = 90.0 * 86_400
        /// Largest input or output file: 256 MiB (the coordinator's blob limit).
        public static let maxFileBytes = 256 << 20
    }

    /// Checks the numbers are in bounds and fit together; the message names the offending field.
    public func validate() throws(PolicyError) {
        guard (1...Limits.maxReplication).contains(quorum) else {
            throw PolicyError("quorum must be 1 to \(Limits.maxReplication) (got \(quorum))")
        }
        guard replication >= quorum else {
            throw PolicyError("replication (\(replication)) must be at least quorum (\(quorum))")
        }
        guard replication <= Limits.maxReplication else {
            throw PolicyError("replication must be at most \(Limits.maxReplication) (got \(replication))")
        }
        guard maxTotalTasks >= replication else {
            throw PolicyError("maxTotalTasks (\(maxTotalTasks)) must be at least replication (\(replication))")
        }
        guard maxTotalTasks <= Limits.maxTotalTasks else {
            throw PolicyError("maxTotalTasks must be at most \(Limits.maxTotalTasks) (got \(maxTotalTasks))")
        }
        guard (0...Limits.maxErrorTasks).contains(maxErrorTasks) else {
            throw PolicyError("maxErrorTasks must be 0 to \(Limits.maxErrorTasks) (got \(maxErrorTasks))")
        }
        guard deadlineSeconds > 0, deadlineSeconds <= Limits.maxDeadlineSeconds else {
            throw PolicyError("deadlineSeconds must be a positive number of seconds, at most \(Int(Limits.maxDeadlineSeconds)) (90 days)")
        }
        guard (1...Limits.maxFileBytes).contains(maxInputBytes), (1...Limits.maxFileBytes).contains(maxOutputBytes) else {
            throw PolicyError("maxInputBytes and maxOutputBytes must be 1 to \(Limits.maxFileBytes) bytes")
        }
        try validator.validate()
        try credit.validate()
        try adaptiveReplication?.validate()
        try collusionGuard?.validate(quorum: quorum, maxTotalTasks: maxTotalTasks)
    }
}

/// A policy that does not make sense; `reason` says which field and why.
public struct PolicyError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
