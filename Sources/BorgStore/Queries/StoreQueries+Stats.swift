import BorgCore
import Foundation

/// A donor's contribution, as stored (RAC not yet decayed to now).
public struct DonorTotals: Sendable, Equatable {
    public let id: DonorID
    public let name: String
    public let totalCredit: Double
    public let rac: RecentAverageCredit
    public let hosts: Int
    public let valid: Int
    public let invalid: Int
    public let errors: Int
    public let inProgress: Int
    public let cpuSeconds: Double
    public let rank: Int
    public let team: String?
}

/// A host's contribution, as stored.
public struct HostTotals: Sendable, Equatable {
    public let id: HostID
    public let donorID: DonorID
    public let name: String
    public let totalCredit: Double
    public let rac: RecentAverageCredit
    public let valid: Int
    public let invalid: Int
    public let errors: Int
    public let inProgress: Int
    public let cpuSeconds: Double
    public let consecutiveValid: Int
    public let lastContact: Double?
    public let active: Bool
}

/// A project's progress.
public struct ProjectTotals: Sendable, Equatable {
    public let name: String
    public let workUnits: Int
    public let completed: Int
    public let failed: Int
    public let tasksUnsent: Int
    public let tasksInProgress: Int
    public let creditGranted: Double
}

extension StoreQueries {
    /// Every donor with its totals, ordered by total credit (rank 1 first).
    public func donorTotals() throws -> [DonorTotals] {
        let running = Dictionary(uniqueKeysWithValues: try db.query(
            "SELECT donor_id, count(*) FROM task WHERE state = 'in_progress' AND donor_id IS NOT NULL GROUP BY donor_id"
        ).map { ($0.int(0), Int($0.int(1))) })
        let rows = try db.query(
            """
            SELECT d.id, d.name, d.total_credit, d.rac, d.rac_time, count(h.id), coalesce(sum(h.tasks_valid), 0),
                   coalesce(sum(h.tasks_invalid), 0), coalesce(sum(h.tasks_error), 0), coalesce(sum(h.cpu_seconds), 0),
                   (SELECT name FROM team WHERE team.id = d.team_id)
            FROM donor d LEFT JOIN host h ON h.donor_id = d.id GROUP BY d.id ORDER BY d.total_credit DESC, d.id
            """)
        return rows.enumerated().map { i, r in
            DonorTotals(
                id: r.id(0), name: r.string(1), totalCredit: r.double(2),
                rac: RecentAverageCredit(value: r.double(3), time: r.double(4)), hosts: Int(r.int(5)),
                valid: Int(r.int(6)), invalid: Int(r.int(7)), errors: Int(r.int(8)), inProgress: running[r.int(0)] ?? 0,
                cpuSeconds: r.double(9), rank: i + 1, team: r.optionalString(10))
        }
    }

    /// Hosts with their totals; all hosts, one donor's, or the one with id `host`.
    public func hostTotals(donor: DonorID? = nil, host: HostID? = nil) throws -> [HostTotals] {
        let running = Dictionary(uniqueKeysWithValues: try db.query(
            "SELECT host_id, count(*) FROM task WHERE state = 'in_progress' AND host_id IS NOT NULL GROUP BY host_id"
        ).map { ($0.int(0), Int($0.int(1))) })
        let conditions = [donor.map { ("donor_id = ?", SQLValue($0)) }, host.map { ("id = ?", SQLValue($0)) }].compactMap { $0 }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.map(\.0).joined(separator: " AND ")
        return try db.query(
            """
            SELECT id, donor_id, name, total_credit, rac, rac_time, tasks_valid, tasks_invalid, tasks_error, cpu_seconds,
                   consecutive_valid, last_contact, active
            FROM host \(filter) ORDER BY id
            """, conditions.map(\.1)
        ).map { r in
            HostTotals(
                id: r.id(0), donorID: r.id(1), name: r.string(2), totalCredit: r.double(3),
                rac: RecentAverageCredit(value: r.double(4), time: r.double(5)), valid: Int(r.int(6)),
                invalid: Int(r.int(7)), errors: Int(r.int(8)), inProgress: running[r.int(0)] ?? 0, cpuSeconds: r.double(9),
                consecutiveValid: Int(r.int(10)), lastContact: r.optionalDouble(11), active: r.bool(12))
        }
    }

    public func projectTotals() throws -> [ProjectTotals] {
        let tasks = try db.query(
            "SELECT project_id, state, count(*), sum(credit) FROM task GROUP BY project_id, state")
        return try db.query(
            """
            SELECT p.id, p.name, coalesce(sum(b.wu_total), 0), coalesce(sum(b.wu_completed), 0), coalesce(sum(b.wu_failed), 0),
                   coalesce(sum(b.purged_credit), 0)
            FROM project p LEFT JOIN batch b ON b.project_id = p.id GROUP BY p.id ORDER BY p.id
            """
        ).map { r in
            let mine = tasks.filter { $0.int(0) == r.int(0) }
            func count(_ state: TaskState) -> Int { Int(mine.first { $0.string(1) == state.rawValue }?.int(2) ?? 0) }
            return ProjectTotals(
                name: r.string(1), workUnits: Int(r.int(2)), completed: Int(r.int(3)), failed: Int(r.int(4)),
                tasksUnsent: count(.unsent), tasksInProgress: count(.inProgress),
                creditGranted: mine.reduce(r.double(5)) { $0 + $1.double(3) })
        }
    }

    /// Sum of credit of valid tasks per donor: what `total_credit` must equal (used by audits and tests) as
    /// long as no batch was purged.
    public func validCreditByDonor() throws -> [DonorID: Double] {
        Dictionary(uniqueKeysWithValues: try db.query(
            "SELECT donor_id, sum(credit) FROM task WHERE validate_state = 'valid' AND donor_id IS NOT NULL GROUP BY donor_id"
        ).map { ($0.id(0) as DonorID, $0.double(1)) })
    }
}

/// What the grid is doing, for its dashboard page.
public struct GridActivity: Sendable, Equatable {
    public let donors: Int
    public let hosts: Int
    /// Active hosts in touch since the time asked for.
    public let hostsOnline: Int
    /// Every active host's recent average credit, as stored (decay it to now).
    public let hostRAC: [RecentAverageCredit]
    /// Tasks reported since the time asked for.
    public let tasksReported: Int
    /// Credit granted to all donors, and valid tasks of all hosts, ever.
    public let totalCredit: Double
    public let tasksValid: Int
}

extension StoreQueries {
    /// Counts of donors and hosts, hosts in touch since `onlineSince`, tasks reported since `reportedSince`.
    public func gridActivity(onlineSince: Double, reportedSince: Double) throws -> GridActivity {
        let donors = Int(try db.queryOne("SELECT count(*) FROM donor")?.int(0) ?? 0)
        let hosts = try db.query("SELECT last_contact, rac, rac_time FROM host WHERE active = 1")
        let reported = Int(try db.queryOne("SELECT count(*) FROM task WHERE reported_at >= ?", SQLValue(reportedSince))?.int(0) ?? 0)
        let credit = try db.queryOne("SELECT coalesce(sum(total_credit), 0) FROM donor")?.double(0) ?? 0
        let valid = Int(try db.queryOne("SELECT coalesce(sum(tasks_valid), 0) FROM host")?.int(0) ?? 0)
        return GridActivity(
            donors: donors, hosts: hosts.count,
            hostsOnline: hosts.count { ($0.optionalDouble(0) ?? 0) >= onlineSince },
            hostRAC: hosts.map { RecentAverageCredit(value: $0.double(1), time: $0.double(2)) },
            tasksReported: reported, totalCredit: credit, tasksValid: valid)
    }
}

extension StoreQueries {
    /// Every donor's name by id.
    public func donorNames() throws -> [DonorID: String] {
        Dictionary(uniqueKeysWithValues: try db.query("SELECT id, name FROM donor").map { ($0.id(0) as DonorID, $0.string(1)) })
    }
}
