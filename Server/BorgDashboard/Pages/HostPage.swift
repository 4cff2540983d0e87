import BorgProtocol

/// `/hosts/{id}`: one host's contribution and standing.
public struct HostPage: DashboardPage {
    public static let template = "host"
    public let title: String
    public let refreshSeconds: Int? = 60
    public let donor: Link
    public let status: String
    public let credit: String
    public let rac: String
    public let valid: String
    public let invalid: String
    public let errors: String
    public let inProgress: String
    public let cpuHours: String
    public let consecutiveValid: String
    public let lastContact: String

    public init(host: HostStats, donorName: String, onlineSince: Double) {
        title = host.name
        donor = Link(href: "/donors/\(host.donorID.rawValue)", text: donorName)
        status = Self.status(host, onlineSince: onlineSince)
        credit = Format.credit(host.totalCredit)
        rac = Format.credit(host.rac)
        valid = Format.count(host.tasks.valid)
        invalid = Format.count(host.tasks.invalid)
        errors = Format.count(host.tasks.error)
        inProgress = Format.count(host.tasks.inProgress)
        cpuHours = String(format: "%.1f", host.cpuHours)
        consecutiveValid = Format.count(host.consecutiveValid)
        lastContact = host.lastContact.map(Format.time) ?? "never"
    }

    /// `online`, `offline` or `removed`.
    static func status(_ host: HostStats, onlineSince: Double) -> String {
        guard host.active else { return "removed" }
        return (host.lastContact ?? 0) >= onlineSince ? "online" : "offline"
    }
}
