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
    /// Members beyond those listed, if any.
    public let moreMembers: String?
    /// Members listed: the top ones by total credit.
    public static let membersListed = 100

    /// A member donor.
    public struct Member: Sendable {
        public let name: Link
        public let credit: String
        public let rac: String
        public let valid: String
    }

    /// `members` in rank order; the first ``membersListed`` are listed.
    public init(team: TeamStats, members: [DonorStats]) {
        title = team.name
        description = team.description
        credit = Format.credit(team.totalCredit)
        rac = Format.credit(team.rac)
        rank = Format.count(team.rank)
        memberCount = Format.count(team.members)
        moreMembers = members.count > Self.membersListed ? Format.count(members.count - Self.membersListed) : nil
        self.members = members.prefix(Self.membersListed).map { donor in
            Member(name: Link(href: "/donors/\(donor.donorID.rawValue)", text: donor.name), credit: Format.credit(donor.totalCredit),
                   rac: Format.credit(donor.rac), valid: Format.count(donor.tasks.valid))
        }
    }
}
