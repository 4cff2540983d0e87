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
        sum(livingProcesses().filter { $0.stat.processGroup == group })
    }

    /// The summed CPU seconds of the live processes of each of `groups`, from one pass over `/proc`;
    /// a group with no live process is left out.
    static func cpuSeconds(ofProcessGroups groups: Set<pid_t>) -> [pid_t: Double] {
        var totals: [pid_t: Double] = [:]
        for process in livingProcesses() where groups.contains(process.stat.processGroup) {
            totals[process.stat.processGroup, default: 0] += process.stat.cpuSeconds
        }
        return totals
    }

    /// The summed usage of every live process descended from `ancestor` (not `ancestor` itself). In a
    /// PID namespace that is every process the app started: orphans are adopted by the namespace's first
    /// process, so no process leaves the tree by daemonizing.
    public static func descendants(of ancestor: pid_t) -> ResourceUsage {
        var children: [pid_t: [(pid: pid_t, stat: ProcStat)]] = [:]
        for process in livingProcesses() { children[process.stat.parent, default: []].append(process) }
        var total = ResourceUsage(cpuSeconds: 0, residentBytes: 0, processCount: 0)
        var parents = [ancestor]
        var visited: Set<pid_t> = [ancestor]
        while let parent = parents.popLast() {
            for child in children[parent] ?? [] where visited.insert(child.pid).inserted {
                total.add(child.stat)
                parents.append(child.pid)
            }
        }
        return total
    }

    private mutating func add(_ stat: ProcStat) {
        cpuSeconds += stat.cpuSeconds
        residentBytes += stat.residentBytes
        processCount += 1
    }

    private static func sum(_ processes: [(pid: pid_t, stat: ProcStat)]) -> ResourceUsage {
        var total = ResourceUsage(cpuSeconds: 0, residentBytes: 0, processCount: 0)
        for process in processes { total.add(process.stat) }
        return total
    }

    /// Every process in `/proc` that is not a zombie.
    private static func livingProcesses() -> [(pid: pid_t, stat: ProcStat)] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var processes: [(pid: pid_t, stat: ProcStat)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), let stat = ProcStat(pid: pid), !stat.isZombie else { continue }
            processes.append((pid, stat))
        }
        return processes
    }
}
