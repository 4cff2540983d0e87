import BorgStore

extension LifecycleEngine {
    /// Records today's credit and valid-task totals of every donor and of the grid (the dashboard's history).
    public func recordDailyTotals() async throws {
        let day = DailyTotal.day(of: clock())
        try await store.write { q in try q.recordDailyTotals(day: day) }
    }
}
