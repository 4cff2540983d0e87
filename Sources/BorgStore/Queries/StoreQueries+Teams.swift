import BorgCore
import Foundation

/// A team with what its members contributed (their totals now, as stored).
public struct TeamTotals: Sendable, Equatable {
    public let id: TeamID
    public let name: String
    public let description: String
    public let founder: DonorID?
    public let createdAt: Double
    public let members: Int
    public let totalCredit: Double
    /// Each member's recent average credit, as stored (decay them to now and add them up).
    public let memberRAC: [RecentAverageCredit]
}

/// What BOINC's statistics export says of a donor.
public struct DonorExportRow: Sendable, Equatable {
    public let id: DonorID
    public let name: String
    public let createdAt: Double
    public let totalCredit: Double
    public let rac: RecentAverageCredit
    public let crossProjectID: String
    public let email: String
    public let team: TeamID?
}

extension StoreQueries {
    /// Creates a team; `founder` is a donor's name, if given. Names are unique regardless of case.
    public func createTeam(name: String, description: String, founder: String?, now: Double) throws -> TeamID {
        guard let trimmed = DisplayName.checked(name) else {
            throw StoreError(.invalid, "team name must be 1 to \(DisplayName.maxLength) characters on one line, not all spaces")
        }
        guard description.unicodeScalars.count <= 2000 else { throw StoreError(.invalid, "team description must be at most 2000 characters") }
        if try team(named: trimmed) != nil {
            throw StoreError(.conflict, "a team named '\(trimmed)' already exists")
        }
        var founderID: DonorID?
        if let founder {
            guard let row = try db.queryOne("SELECT id FROM donor WHERE name = ?", .text(founder)) else {
                throw StoreError(.invalid, "there is no donor named '\(founder)' to found the team")
            }
            founderID = row.id(0)
        }
        return try db.execute(
            "INSERT INTO team (name, description, founder_id, created_at) VALUES (?, ?, ?, ?)",
            .text(trimmed), .text(description), SQLValue(founderID), .real(now)
        ).lastInsertID.asID()
    }

    /// The team named `name` (in any case), if there is one.
    public func team(named name: String) throws -> TeamID? {
        try db.queryOne("SELECT id FROM team WHERE name = ? COLLATE NOCASE", .text(name)).map { $0.id(0) }
    }

    /// Puts a donor in a team (`nil`: no team). A donor is in at most one team.
    public func setTeam(_ team: TeamID?, of donor: DonorID) throws {
        try db.run("UPDATE donor SET team_id = ? WHERE id = ?", SQLValue(team), SQLValue(donor))
    }

    /// Every team with its members' totals, by id.
    public func teamTotals() throws -> [TeamTotals] {
        let members = Dictionary(grouping: try db.query(
            "SELECT team_id, total_credit, rac, rac_time FROM donor WHERE team_id IS NOT NULL"
        ), by: { $0.int(0) })
        return try db.query("SELECT id, name, description, founder_id, created_at FROM team ORDER BY id").map { row in
            let mine = members[row.int(0)] ?? []
            return TeamTotals(
                id: row.id(0), name: row.string(1), description: row.string(2), founder: row.optionalID(3),
                createdAt: row.double(4), members: mine.count, totalCredit: mine.reduce(0) { $0 + $1.double(1) },
                memberRAC: mine.map { RecentAverageCredit(value: $0.double(2), time: $0.double(3)) })
        }
    }

    /// Every donor as BOINC's statistics export lists it, by id.
    public func donorExportRows() throws -> [DonorExportRow] {
        try db.query(
            "SELECT id, name, created_at, total_credit, rac, rac_time, cross_project_id, email, team_id FROM donor ORDER BY id"
        ).map {
            DonorExportRow(id: $0.id(0), name: $0.string(1), createdAt: $0.double(2), totalCredit: $0.double(3),
                           rac: RecentAverageCredit(value: $0.double(4), time: $0.double(5)), crossProjectID: $0.string(6),
                           email: $0.string(7), team: $0.optionalID(8))
        }
    }
}

/// What BOINC's statistics export says of a host.
public struct HostExportRow: Sendable, Equatable {
    public let id: HostID
    public let donor: DonorID
    public let createdAt: Double
    public let lastContact: Double?
    public let cores: Int
    public let totalCredit: Double
    public let rac: RecentAverageCredit
    public let turnaround: Double?
}

extension StoreQueries {
    /// Every host that has not left, as BOINC's statistics export lists it, by id.
    public func hostExportRows() throws -> [HostExportRow] {
        try db.query(
            "SELECT id, donor_id, created_at, last_contact, cores, total_credit, rac, rac_time, turnaround FROM host WHERE active = 1 ORDER BY id"
        ).map {
            HostExportRow(id: $0.id(0), donor: $0.id(1), createdAt: $0.double(2), lastContact: $0.optionalDouble(3),
                          cores: Int($0.int(4)), totalCredit: $0.double(5), rac: RecentAverageCredit(value: $0.double(6), time: $0.double(7)),
                          turnaround: $0.optionalDouble(8))
        }
    }
}
