import BorgProtocol

/// `/batches`: the newest batches with their progress.
public struct BatchListPage: DashboardPage {
    public static let template = "batches"
    public let title = "Batches"
    public let refreshSeconds: Int? = 10
    public let batches: [BatchRow]
    public let hasBatches: Bool

    public init(batches: [BatchStatus], now: Double) {
        self.batches = batches.map { BatchRow($0, now: now) }
        hasBatches = !batches.isEmpty
    }
}
