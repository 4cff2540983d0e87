import BorgProtocol

/// `/teams/{id}`: a team's credit and its members, ranked.
public struct TeamPage: DashboardPage {
    public static let template = "team"
    public let title: String
    public let refreshSeconds: Int? = 60
    public let description: String
    public let credit: String
    public let rac: String
    public let rank: String
    public let memberCount: String
    public let members: [Member]

    /// A member donor.
    public struct Member: Sendable {
        public let name: Link
        public let credit: String
        public let rac: String
        public let valid: String
    }

    /// `members` in rank order.
    public init(team: TeamStats, members: [DonorStats]) {
        title = team.name
        description = team.description
        credit = Format.credit(team.totalCredit)
        rac = Format.credit(team.rac)
        rank = Format.count(team.rank)
        memberCount = Format.count(team.members)
        self.members = members.map { donor in
            Member(name: Link(href: "/donors/\(donor.donorID.rawValue)", text: donor.name), credit: Format.credit(donor.totalCredit),
                   rac: Format.credit(donor.rac), valid: Format.count(donor.tasks.valid))
        }
    }
}
