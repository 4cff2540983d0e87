/// One day of a donor's or the grid's totals.
public struct DailyPoint: Sendable, Equatable {
    /// Days since 1970-01-01.
    public let day: Int
    public let totalCredit: Double
    public let tasksValid: Double

    public init(day: Int, totalCredit: Double, tasksValid: Double) {
        self.day = day
        self.totalCredit = totalCredit
        self.tasksValid = tasksValid
    }

    /// `history` with today's point replaced by (or extended with) `live`, so a chart ends at the totals
    /// of this moment rather than at the last snapshot.
    public static func ending(_ history: [DailyPoint], with live: DailyPoint) -> [DailyPoint] {
        var points = history.filter { $0.day < live.day }
        points.append(live)
        return points
    }

    /// Each day's growth over the snapshot before it; the first snapshot is only the baseline (it holds
    /// everything before), unless it is the only one. A day without a snapshot adds to the next.
    static func increments(_ points: [DailyPoint]) -> [DailyPoint] {
        guard points.count > 1 else { return points }
        return zip(points, points.dropFirst()).map { previous, point in
            DailyPoint(day: point.day, totalCredit: point.totalCredit - previous.totalCredit,
                       tasksValid: point.tasksValid - previous.tasksValid)
        }
    }

    /// A line chart of one value over the days, as SVG.
    static func chart(_ points: [DailyPoint], title: String, value: KeyPath<DailyPoint, Double>,
                      yLabel: @escaping @Sendable (Double) -> String) -> String {
        LineChart(title: title, series: [LineChart.Series(name: title, points: points.map { (Double($0.day), $0[keyPath: value]) })],
                  xLabel: { Format.day(Int($0)) }, yLabel: yLabel).svg()
    }
}
