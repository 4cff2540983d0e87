/// A host's expected time to turn a task around, as an exponential moving average.
public enum HostTurnaround {
    /// Weight of the newest sample.
    public static let weight = 0.3

    /// The average after observing a task that took `seconds`; `nil` means no sample yet.
    public static func updated(_ average: Double?, sample seconds: Double) -> Double {
        guard let average else { return seconds }
        return average + weight * (seconds - average)
    }
}
