#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// CPU time and memory of a process or a process group, read from `/proc/<pid>/stat`.
public struct ResourceUsage: Sendable, Equatable {
    /// User + system CPU time in seconds, including children already waited for.
    public var cpuSeconds: Double
    /// Resident memory in bytes.
    public var residentBytes: UInt64
    /// How many processes were counted.
    public var processCount: Int

    /// Creates a usage record.
    public init(cpuSeconds: Double, residentBytes: UInt64, processCount: Int) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.processCount = processCount
    }

    /// The usage of the live process `pid`, or `nil` if it does not exist.
    public static func process(_ pid: pid_t) -> ResourceUsage? {
        guard let stat = ProcStat(pid: pid) else { return nil }
        return ResourceUsage(cpuSeconds: stat.cpuSeconds, residentBytes: stat.residentBytes, processCount: 1)
    }

    /// The summed usage of every live process whose process group is `group` (a task's
    /// sandbox and the app it started); zero processes when the group is gone. Zombies
    /// (exited, not yet reaped) are not counted.
    public static func processGroup(_ group: pid_t) -> ResourceUsage {
        var total = ResourceUsage(cpuSeconds: 0, residentBytes: 0, processCount: 0)
        guard let dir = opendir("/proc") else { return total }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), let stat = ProcStat(pid: pid), stat.processGroup == group, !stat.isZombie
            else { continue }
            total.cpuSeconds += stat.cpuSeconds
            total.residentBytes += stat.residentBytes
            total.processCount += 1
        }
        return total
    }
}
