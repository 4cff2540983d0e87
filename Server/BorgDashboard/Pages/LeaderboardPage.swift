import BorgCore
import BorgProtocol

/// `/donors`, `/hosts` and `/teams`: ranked by total credit or by recent average credit, a page of rows at a time.
public struct LeaderboardPage: DashboardPage {
    public static let template = "leaderboard"
    public let title: String
    public let refreshSeconds: Int? = 60

    /// One ranked donor or host.
    public struct Row: Sendable {
        public let rank: String
        public let name: Link
        /// A host's donor; `nil` on the donor board.
        public let owner: Link?
        public let credit: String
        public let rac: String
        public let valid: String
        public let invalid: String
        /// A team's members; `nil` on the donor and host boards.
        public let members: String?
    }

    public let rows: [Row]
    public let isHosts: Bool
    public let isTeams: Bool
    public let byTotal: Bool
    public let showing: String
    public let previous: String?
    public let next: String?
    public let totalLink: String
    public let racLink: String

    /// The ordering a board can take.
    public enum Order: String, Sendable, CaseIterable {
        case total, rac
    }

    /// Rows shown per page.
    public static let pageSize = 100

    /// The donors' board. `donors` in rank order by total credit (as the API lists them); `page` counts from 0.
    public static func donors(_ donors: [DonorStats], by order: Order, page: Int) -> LeaderboardPage {
        let sorted = order == .rac ? donors.sorted { ($0.rac, $1.donorID.rawValue) > ($1.rac, $0.donorID.rawValue) } : donors
        return LeaderboardPage(title: "Donors", path: "/donors", order: order, page: page, total: sorted.count, kind: .donors,
                               rows: slice(sorted, page: page).enumerated().map { i, donor in
            Row(rank: Format.count(page * pageSize + i + 1),
                name: Link(href: "/donors/\(donor.donorID.rawValue)", text: donor.name), owner: nil,
                credit: Format.credit(donor.totalCredit), rac: Format.credit(donor.rac),
                valid: Format.count(donor.tasks.valid), invalid: Format.count(donor.tasks.invalid), members: nil)
        })
    }

    /// The teams' board. `teams` in rank order by total credit (as the API lists them).
    public static func teams(_ teams: [TeamStats], by order: Order, page: Int) -> LeaderboardPage {
        let sorted = order == .rac ? teams.sorted { ($0.rac, $1.teamID.rawValue) > ($1.rac, $0.teamID.rawValue) } : teams
        return LeaderboardPage(title: "Teams", path: "/teams", order: order, page: page, total: sorted.count, kind: .teams,
                               rows: slice(sorted, page: page).enumerated().map { i, team in
            Row(rank: Format.count(page * pageSize + i + 1), name: Link(href: "/teams/\(team.teamID.rawValue)", text: team.name),
                owner: nil, credit: Format.credit(team.totalCredit), rac: Format.credit(team.rac), valid: "", invalid: "",
                members: Format.count(team.members))
        })
    }

    /// The hosts' board; `donorNames` names each host's donor.
    public static func hosts(_ hosts: [HostStats], donorNames: [DonorID: String], by order: Order, page: Int) -> LeaderboardPage {
        let key: (HostStats) -> Double = order == .rac ? { $0.rac } : { $0.totalCredit }
        let sorted = hosts.sorted { (key($0), $1.hostID.rawValue) > (key($1), $0.hostID.rawValue) }
        return LeaderboardPage(title: "Hosts", path: "/hosts", order: order, page: page, total: sorted.count, kind: .hosts,
                               rows: slice(sorted, page: page).enumerated().map { i, host in
            Row(rank: Format.count(page * pageSize + i + 1),
                name: Link(href: "/hosts/\(host.hostID.rawValue)", text: host.name),
                owner: Link(href: "/donors/\(host.donorID.rawValue)", text: donorNames[host.donorID] ?? "donor \(host.donorID.rawValue)"),
                credit: Format.credit(host.totalCredit), rac: Format.credit(host.rac),
                valid: Format.count(host.tasks.valid), invalid: Format.count(host.tasks.invalid), members: nil)
        })
    }

    static func slice<T>(_ items: [T], page: Int) -> ArraySlice<T> {
        let start = min(items.count, page * pageSize)
        return items[start..<min(items.count, start + pageSize)]
    }

    /// What a board ranks.
    enum Kind { case donors, hosts, teams }

    init(title: String, path: String, order: Order, page: Int, total: Int, kind: Kind, rows: [Row]) {
        self.title = title
        self.rows = rows
        isHosts = kind == .hosts
        isTeams = kind == .teams
        byTotal = order == .total
        let first = page * Self.pageSize
        showing = rows.isEmpty ? "none" : "\(Format.count(first + 1))–\(Format.count(first + rows.count)) of \(Format.count(total))"
        previous = page > 0 ? "\(path)?by=\(order.rawValue)&page=\(page - 1)" : nil
        next = first + rows.count < total ? "\(path)?by=\(order.rawValue)&page=\(page + 1)" : nil
        totalLink = "\(path)?by=total"
        racLink = "\(path)?by=rac"
    }
}
