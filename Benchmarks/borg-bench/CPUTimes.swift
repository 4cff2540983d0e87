#if canImport(Glibc)
    import Glibc
#endif

/// User and system CPU seconds from `getrusage`.
struct CPUTimes {
    var user: Double
    var system: Double

    var total: Double { user + system }

    /// Of this process so far (every thread).
    static func ofThisProcess() -> CPUTimes { usage(RUSAGE_SELF) }

    /// Of the child processes waited for so far.
    static func ofChildren() -> CPUTimes { usage(RUSAGE_CHILDREN) }

    static func - (after: CPUTimes, before: CPUTimes) -> CPUTimes {
        CPUTimes(user: after.user - before.user, system: after.system - before.system)
    }

    private static func usage(_ who: __rusage_who) -> CPUTimes {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return CPUTimes(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }
}
