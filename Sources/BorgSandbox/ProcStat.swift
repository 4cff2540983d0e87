#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The fields of `/proc/<pid>/stat` that the sandbox uses.
struct ProcStat {
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private static let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))

    let parent: pid_t
    let processGroup: pid_t
    /// Whether the process has exited and waits to be reaped (state Z or X).
    let isZombie: Bool
    let cpuSeconds: Double
    let residentBytes: UInt64

    /// Reads and parses the stat file of `pid`; nil if the process is gone or the file is odd.
    init?(pid: pid_t) {
        guard let text = Self.readFile("/proc/\(pid)/stat") else { return nil }
        self.init(statLine: text)
    }

    /// Parses a stat line. The command name (field 2) is in parentheses and may itself hold
    /// spaces and parentheses, so fields are counted from the last ')'.
    init?(statLine: String) {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        // After ')': state(3) ppid(4) pgrp(5) ... utime(14) stime(15) cutime(16) cstime(17) ... rss(24)
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        guard fields.count >= 22, let parent = pid_t(fields[1]), let group = pid_t(fields[2]),
            let utime = Double(fields[11]), let stime = Double(fields[12]),
            let cutime = Double(fields[13]), let cstime = Double(fields[14]), let rss = Int64(fields[21])
        else { return nil }
        self.parent = parent
        processGroup = group
        isZombie = fields[0] == "Z" || fields[0] == "X"
        cpuSeconds = (utime + stime + cutime + cstime) / Self.ticksPerSecond
        residentBytes = UInt64(max(rss, 0)) * Self.pageSize
    }

    private static func readFile(_ path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = Glibc.read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
