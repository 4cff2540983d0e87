import BorgProtocol

/// What a donor or a host contributed, as the tiles at the top of its page show it.
public struct ContributionTiles: Sendable {
    public let credit: String
    public let rac: String
    public let valid: String
    public let invalid: String
    public let errors: String
    public let inProgress: String
    public let cpuHours: String

    init(totalCredit: Double, rac: Double, tasks: TaskCounts, cpuHours: Double) {
        credit = Format.credit(totalCredit)
        self.rac = Format.credit(rac)
        valid = Format.count(tasks.valid)
        invalid = Format.count(tasks.invalid)
        errors = Format.count(tasks.error)
        inProgress = Format.count(tasks.inProgress)
        self.cpuHours = String(format: "%.1f", cpuHours)
    }
}
