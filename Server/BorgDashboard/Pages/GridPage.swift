import BorgProtocol

/// `/`: the grid at a glance: coordinators, hosts, computing power, throughput, running batches, storage
/// and the grid's credit and throughput over time.
public struct GridPage: DashboardPage {
    public static let template = "grid"
    public let title = "Grid"
    public let refreshSeconds: Int? = 10

    /// A coordinator and whether it leads.
    public struct Coordinator: Sendable {
        public let url: String
        public let role: String
    }

    public let coordinators: [Coordinator]
    public let donors: String
    public let hosts: String
    public let hostsOnline: String
    public let power: String
    public let tasksPerSecond: String
    public let batches: [BatchRow]
    public let hasBatches: Bool
    public let storage: StorageSummary?
    public let creditChart: String
    public let throughputChart: String

    /// The storage part of the grid page: totals only (hosts' addresses are for the admin's eyes).
    public struct StorageSummary: Sendable {
        public let hostsOnline: String
        public let capacity: String
        public let placed: String
        public let files: String
        public let segmentsToRepair: String
        public let segmentsUnreadable: String
        public let healthy: Bool
    }

    /// - Parameters:
    ///   - coordinators: the coordinator URLs.
    ///   - leader: the URL of the one that leads, if one does now.
    ///   - totalRAC: the hosts' recent average credit summed, decayed to now.
    ///   - tasksPerSecond: tasks reported per second lately.
    ///   - history: the grid's daily totals, oldest first.
    public init(coordinators: [String], leader: String?, donors: Int, hosts: Int, hostsOnline: Int, totalRAC: Double,
                tasksPerSecond: Double, batches: [BatchStatus], storage: StorageStatus?, history: [DailyPoint], now: Double) {
        self.coordinators = coordinators.map { url in
            Coordinator(url: url, role: url == leader ? "leads" : leader == nil ? "no coordinator leads now" : "follows")
        }
        self.donors = Format.count(donors)
        self.hosts = Format.count(hosts)
        self.hostsOnline = Format.count(hostsOnline)
        power = Format.power(rac: totalRAC)
        self.tasksPerSecond = Format.rate(tasksPerSecond)
        self.batches = batches.map { BatchRow($0, now: now) }
        hasBatches = !batches.isEmpty
        self.storage = storage.flatMap { status in
            guard !status.hosts.isEmpty else { return nil }
            return StorageSummary(
                hostsOnline: Format.count(status.hosts.count { $0.online }),
                capacity: Format.bytes(status.hosts.reduce(0.0) { $0 + Double($1.capacityBytes) }),
                placed: Format.bytes(status.hosts.reduce(0.0) { $0 + Double($1.placedBytes) }), files: Format.count(status.files),
                segmentsToRepair: Format.count(status.segmentsToRepair),
                segmentsUnreadable: Format.count(status.segmentsUnreadable),
                healthy: status.segmentsToRepair == 0 && status.segmentsUnreadable == 0)
        }
        creditChart = DailyPoint.chart(history, title: "Grid credit", value: \.totalCredit, yLabel: Format.credit)
        throughputChart = DailyPoint.chart(DailyPoint.increments(history), title: "Valid tasks per day",
                                           value: \.tasksValid, yLabel: { Format.count(Int($0)) })
    }
}
