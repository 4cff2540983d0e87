import Foundation

/// Recent average credit (RAC): credit per day, decaying with a 7-day half-life (BOINC's `update_average`).
public struct RecentAverageCredit: Sendable, Equatable, Codable {
    /// The average, in credits per day, as of `time`.
    public var value: Double
    /// Seconds since 1970 when `value` was last updated; 0 = never.
    public var time: Double

    public static let halfLifeSeconds = 7.0 * 86_400

    public init(value: Double = 0, time: Double = 0) {
        self.value = value
        self.time = time
    }

    /// Adds `credit` granted at `now`.
    public mutating func add(_ credit: Double, now: Double) {
        guard time > 0 else {
            // First grant: BOINC treats it as spread over a half-life.
            value = credit * M_LN2 * 86_400 / Self.halfLifeSeconds
            time = now
            return
        }
        let elapsed = max(0, now - time)
        let weight = exp(-elapsed * M_LN2 / Self.halfLifeSeconds)
        value *= weight
        if 1 - weight > 1e-6 {
            value += (1 - weight) * credit / (elapsed / 86_400)
        } else {
            value += credit * M_LN2 * 86_400 / Self.halfLifeSeconds
        }
        time = now
    }

    /// The value decayed to `now` with no new credit, for display.
    public func decayed(to now: Double) -> Double {
        guard time > 0, now > time else { return value }
        return value * exp(-(now - time) * M_LN2 / Self.halfLifeSeconds)
    }
}
