import BorgProtocol

/// `/batches/{id}`: one batch's progress, times and the work units that failed.
public struct BatchPage: DashboardPage {
    public static let template = "batch"
    public let title: String
    public let refreshSeconds: Int?
    public let batch: BatchRow
    public let cancelled: String
    public let tasksInProgress: String
    public let created: String
    public let finished: String?
    public let purged: Bool

    /// A failed work unit and why.
    public struct Failure: Sendable {
        public let name: String
        public let reason: String
    }

    public let failures: [Failure]
    public let listsFailures: Bool
    public let moreFailures: String?

    /// `failures` are the first failed work units (name and reason); the batch counts them all.
    public init(status: BatchStatus, failures: [(name: String, reason: String)], now: Double) {
        title = "Batch \(status.id.rawValue)"
        refreshSeconds = status.state == .active ? 10 : nil
        batch = BatchRow(status, now: now)
        cancelled = Format.count(status.cancelled)
        tasksInProgress = Format.count(status.tasksInProgress)
        created = Format.time(status.createdAt)
        finished = status.finishedAt.map(Format.time)
        purged = status.purgedAt != nil
        self.failures = failures.map { Failure(name: $0.name, reason: $0.reason) }
        listsFailures = !failures.isEmpty
        // A purged batch keeps its counts but not its work units: then none is listed and none is "more".
        moreFailures = status.purgedAt == nil && status.failed > failures.count ? Format.count(status.failed - failures.count) : nil
    }
}
