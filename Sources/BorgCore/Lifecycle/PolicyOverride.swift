/// Per-batch changes to a project's policy; fields left `nil` keep the project's value.
public struct PolicyOverride: Codable, Sendable, Equatable {
    public var replication: Int?
    public var quorum: Int?
    public var maxErrorTasks: Int?
    public var maxTotalTasks: Int?
    public var deadlineSeconds: Double?

    public init(
        replication: Int? = nil, quorum: Int? = nil, maxErrorTasks: Int? = nil,
        maxTotalTasks: Int? = nil, deadlineSeconds: Double? = nil
    ) {
        self.replication = replication
        self.quorum = quorum
        self.maxErrorTasks = maxErrorTasks
        self.maxTotalTasks = maxTotalTasks
        self.deadlineSeconds = deadlineSeconds
    }

    /// The project policy with this override applied, validated.
    public func applied(to policy: ProjectPolicy) throws(PolicyError) -> ProjectPolicy {
        var result = policy
        if let replication { result.replication = replication }
        if let quorum { result.quorum = quorum }
        if let maxErrorTasks { result.maxErrorTasks = maxErrorTasks }
        if let maxTotalTasks { result.maxTotalTasks = maxTotalTasks }
        if let deadlineSeconds { result.deadlineSeconds = deadlineSeconds }
        try result.validate()
        return result
    }
}
