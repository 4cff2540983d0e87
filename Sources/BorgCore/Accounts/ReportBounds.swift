/// What a host may claim in a report: no more CPU time than its cores had since the task was sent, and no
/// more measured work than that time could do. A claim beyond these is refused, so no host can inflate
/// its statistics or its credit, or overflow a sum.
public enum ReportBounds {
    /// Most work units (WebAssembly fuel: about one per executed operator) one core may be credited
    /// with per second of wall time; a generous ceiling, an order of magnitude above a fast core.
    public static let maxWorkPerCoreSecond = 1e10
    /// Seconds added to the wall time, for clocks and rounding.
    public static let slackSeconds = 60.0

    /// Checks a report's claims for a task sent `wallSeconds` ago to a host of `cores` cores; returns the
    /// reason when a claim is out of bounds.
    public static func violation(cpuSeconds: Double, measuredWork: Double, wallSeconds: Double, cores: Int) -> String? {
        let seconds = max(0, wallSeconds) + slackSeconds
        let cpuLimit = seconds * Double(max(1, cores))
        guard cpuSeconds <= cpuLimit else {
            return "cpuSeconds \(cpuSeconds) is more than \(cores) core(s) can spend in the \(Int(seconds)) s since the task was sent"
        }
        guard measuredWork <= cpuLimit * maxWorkPerCoreSecond else {
            return "measuredWork \(measuredWork) is more than \(cores) core(s) can do in the \(Int(seconds)) s since the task was sent"
        }
        return nil
    }
}
