import BorgProtocol

/// `/hosts/{id}`: one host's contribution and standing.
public struct HostPage: DashboardPage {
    public static let template = "host"
    public let title: String
    public let refreshSeconds: Int? = 60
    public let donor: Link
    public let status: String
    public let contribution: ContributionTiles
    public let consecutiveValid: String
    public let lastContact: String

    public init(host: HostStats, donorName: String, onlineSince: Double) {
        title = host.name
        donor = Link(href: "/donors/\(host.donorID.rawValue)", text: donorName)
        status = Self.status(host, onlineSince: onlineSince)
        contribution = ContributionTiles(totalCredit: host.totalCredit, rac: host.rac, tasks: host.tasks, cpuHours: host.cpuHours)
        consecutiveValid = Format.count(host.consecutiveValid)
        lastContact = host.lastContact.map(Format.time) ?? "never"
    }

    /// `online`, `offline` or `removed`.
    static func status(_ host: HostStats, onlineSince: Double) -> String {
        guard host.active else { return "removed" }
        return (host.lastContact ?? 0) >= onlineSince ? "online" : "offline"
    }
}
