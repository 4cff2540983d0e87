import BorgCore

/// One day's totals of a donor or of the whole grid, as of the last snapshot that day.
public struct DailyTotal: Sendable, Equatable {
    /// Days since 1970-01-01 (UTC).
    public let day: Int
    public let totalCredit: Double
    public let tasksValid: Int

    /// The day (days since 1970-01-01, UTC) of a moment in seconds since 1970.
    public static func day(of time: Double) -> Int { Int((time / 86_400).rounded(.down)) }

    /// Days of history kept; older snapshots are deleted.
    public static let daysKept = 400
}

extension StoreQueries {
    /// The donor id under which the whole grid's totals are kept.
    static let gridDonorID: Int64 = 0

    /// Records today's totals (`day`: days since 1970) of the grid and of every donor whose credit changed
    /// since its last snapshot before today (a donor's chart stays flat between its rows), replacing an
    /// earlier snapshot of the same day; forgets snapshots older than ``DailyTotal/daysKept``.
    public func recordDailyTotals(day: Int) throws {
        try db.execute(
            """
            INSERT OR REPLACE INTO daily_total (donor_id, day, total_credit, tasks_valid)
            SELECT d.id, ?1, d.total_credit, coalesce((SELECT sum(h.tasks_valid) FROM host h WHERE h.donor_id = d.id), 0)
            FROM donor d
            WHERE d.total_credit != coalesce(
                (SELECT t.total_credit FROM daily_total t WHERE t.donor_id = d.id AND t.day < ?1 ORDER BY t.day DESC LIMIT 1), -1)
            """, [SQLValue(Int64(day))])
        try db.execute("DELETE FROM daily_total WHERE day < ?", [SQLValue(Int64(day - DailyTotal.daysKept))])
        try db.execute(
            """
            INSERT OR REPLACE INTO daily_total (donor_id, day, total_credit, tasks_valid)
            SELECT ?, ?, coalesce((SELECT sum(total_credit) FROM donor), 0), coalesce((SELECT sum(tasks_valid) FROM host), 0)
            """, [SQLValue(Self.gridDonorID), SQLValue(Int64(day))])
    }

    /// A donor's daily totals (the grid's when `donor` is nil) from `since` on, oldest first.
    public func dailyTotals(donor: DonorID?, since day: Int) throws -> [DailyTotal] {
        try db.query(
            "SELECT day, total_credit, tasks_valid FROM daily_total WHERE donor_id = ? AND day >= ? ORDER BY day",
            [donor.map { SQLValue($0) } ?? SQLValue(Self.gridDonorID), SQLValue(Int64(day))]
        ).map { DailyTotal(day: Int($0.int(0)), totalCredit: $0.double(1), tasksValid: Int($0.int(2))) }
    }
}
