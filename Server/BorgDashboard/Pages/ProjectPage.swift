import BorgCore
import BorgProtocol

/// `/projects/{name}`: a project's progress, how it validates and credits, and its newest batches.
public struct ProjectPage: DashboardPage {
    public static let template = "project"
    public let title: String
    public let refreshSeconds: Int? = 30
    public let description: String
    public let workUnits: String
    public let completed: String
    public let failed: String
    public let tasksUnsent: String
    public let tasksInProgress: String
    public let credit: String
    public let policy: [Fact]
    public let batches: [BatchRow]
    public let hasBatches: Bool

    /// A labelled value.
    public struct Fact: Sendable {
        public let label: String
        public let value: String
    }

    public init(stats: ProjectStats, description: String, policy: ProjectPolicy, batches: [BatchStatus], now: Double) {
        title = stats.project
        self.description = description
        workUnits = Format.count(stats.workUnits)
        completed = Format.count(stats.completed)
        failed = Format.count(stats.failed)
        tasksUnsent = Format.count(stats.tasksUnsent)
        tasksInProgress = Format.count(stats.tasksInProgress)
        credit = Format.credit(stats.creditGranted)
        var facts = [
            Fact(label: "Replication", value: "\(policy.replication) tasks, quorum \(policy.quorum)"),
            Fact(label: "Deadline", value: Format.duration(policy.deadlineSeconds)),
        ]
        if let adaptive = policy.adaptiveReplication {
            facts.append(Fact(label: "Adaptive replication", value: "after \(adaptive.trustThreshold) valid results in a row"))
        }
        if let collusionGuard = policy.collusionGuard {
            facts.append(Fact(label: "Collusion guard",
                              value: "\(collusionGuard.untrustedQuorum) agreeing results unless one host is trusted"))
        }
        self.policy = facts
        self.batches = batches.map { BatchRow($0, now: now) }
        hasBatches = !batches.isEmpty
    }
}
