#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The CPU time process groups used since they were last measured, read from `/proc` in one pass.
///
/// Each group's total is kept as a high-water mark: a process that exits leaves the sum until its parent
/// reaps it (and adds its time to its own), so a dip is not counted again when the time comes back.
struct GroupCPUMeter {
    private var counted: [pid_t: Double] = [:]

    /// The CPU seconds `groups` used together since the previous call; a group seen for the first time
    /// (a task just started, or resumed after a pause) counts from now. Groups no longer asked about are
    /// forgotten.
    mutating func used(by groups: Set<pid_t>) -> Double {
        guard !groups.isEmpty else {
            counted = [:]
            return 0
        }
        let totals = ResourceUsage.cpuSeconds(ofProcessGroups: groups)
        var used = 0.0
        var next: [pid_t: Double] = [:]
        for group in groups {
            let now = totals[group] ?? 0
            let before = counted[group] ?? now
            used += max(0, now - before)
            next[group] = max(before, now)
        }
        counted = next
        return used
    }
}
