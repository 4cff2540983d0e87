import BorgProtocol

/// `/donors/{id}`: what one donor contributed, its hosts and its credit over time. Public: names, credit and
/// counts only, as BOINC shows.
public struct DonorPage: DashboardPage {
    public static let template = "donor"
    public let title: String
    public let refreshSeconds: Int? = 60
    /// The donor's team, if it is in one.
    public let team: Link?
    public let rank: String
    public let contribution: ContributionTiles
    public let hosts: [HostRow]
    public let creditChart: String

    /// One of the donor's hosts.
    public struct HostRow: Sendable {
        public let name: Link
        public let credit: String
        public let rac: String
        public let valid: String
        public let status: String
    }

    public init(donor: DonorStats, team: TeamStats?, hosts: [HostStats], history: [DailyPoint], onlineSince: Double) {
        title = donor.name
        self.team = team.map { Link(href: "/teams/\($0.teamID.rawValue)", text: $0.name) }
        rank = Format.count(donor.rank)
        contribution = ContributionTiles(totalCredit: donor.totalCredit, rac: donor.rac, tasks: donor.tasks, cpuHours: donor.cpuHours)
        self.hosts = hosts.map { host in
            HostRow(name: Link(href: "/hosts/\(host.hostID.rawValue)", text: host.name), credit: Format.credit(host.totalCredit),
                    rac: Format.credit(host.rac), valid: Format.count(host.tasks.valid),
                    status: HostPage.status(host, onlineSince: onlineSince))
        }
        creditChart = DailyPoint.chart(history, title: "Credit of \(donor.name)", value: \.totalCredit, yLabel: Format.credit)
    }
}
