import BorgCore

/// `POST /v1/teams`: a new team (any API key may create one).
public struct CreateTeamRequest: Codable, Sendable {
    public var name: String
    public var description: String?
    /// The name of the donor who founds it, if any.
    public var founder: String?

    public init(name: String, description: String? = nil, founder: String? = nil) {
        self.name = name
        self.description = description
        self.founder = founder
    }
}

/// `POST /v1/hosts/{id}/team`: the host's donor joins the team of this name.
public struct JoinTeamRequest: Codable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// A team in `GET /v1/stats/teams` and the answers of the team routes.
public struct TeamStats: Codable, Sendable, Equatable {
    public var teamID: TeamID
    public var name: String
    public var description: String
    public var members: Int
    /// Its members' total credit, now.
    public var totalCredit: Double
    /// Its members' recent average credit, decayed to now.
    public var rac: Double
    /// 1 = most total credit.
    public var rank: Int

    public init(teamID: TeamID, name: String, description: String, members: Int, totalCredit: Double, rac: Double, rank: Int) {
        self.teamID = teamID
        self.name = name
        self.description = description
        self.members = members
        self.totalCredit = totalCredit
        self.rac = rac
        self.rank = rank
    }
}

/// `POST /v1/hosts/{id}/team` and `DELETE …/team`: the donor's team now (`nil`: none).
public struct TeamMembership: Codable, Sendable, Equatable {
    public var team: String?
    public init(team: String?) { self.team = team }
}
