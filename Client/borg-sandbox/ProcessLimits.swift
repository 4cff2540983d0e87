#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// setrlimit wrappers for the limits the sandbox puts on itself or on the native app.
enum ProcessLimits {
    /// Caps the address space and the data segment at `bytes` (soft and hard).
    static func limitMemory(_ bytes: UInt64) {
        set(RLIMIT_AS, current: bytes, maximum: bytes)
        set(RLIMIT_DATA, current: bytes, maximum: bytes)
    }

    /// Caps the size of any file written at `bytes`; `hard` also lowers the hard limit, which
    /// cannot be raised again. Returns the previous limit (for ``restoreFileSize(_:)``).
    @discardableResult
    static func limitFileSize(_ bytes: UInt64?, hard: Bool) -> rlimit {
        var previous = rlimit()
        getrlimit(resource(RLIMIT_FSIZE), &previous)
        if let bytes {
            set(RLIMIT_FSIZE, current: bytes, maximum: hard ? bytes : UInt64(previous.rlim_max))
        }
        return previous
    }

    /// Puts back a file-size limit returned by ``limitFileSize(_:hard:)``.
    static func restoreFileSize(_ previous: rlimit) {
        var limit = previous
        setrlimit(resource(RLIMIT_FSIZE), &limit)
    }

    /// Caps the processes and threads of this process's real user at `count` (soft and hard). In the
    /// task's own user namespace that count is the task's; outside it, all of the user's.
    static func limitProcesses(_ count: Int) {
        // glibc's RLIMIT_NPROC is a macro Swift does not import; the enum case is its value.
        set(__RLIMIT_NPROC, current: UInt64(count), maximum: UInt64(count))
    }

    /// Forbids core dumps, which could fill the donor's disk.
    static func disableCoreDumps() {
        set(RLIMIT_CORE, current: 0, maximum: 0)
    }

    private static func set(_ kind: __rlimit_resource, current: UInt64, maximum: UInt64) {
        var limit = rlimit(rlim_cur: rlim_t(current), rlim_max: rlim_t(maximum))
        setrlimit(resource(kind), &limit)
    }

    private static func resource(_ kind: __rlimit_resource) -> __rlimit_resource_t {
        __rlimit_resource_t(kind.rawValue)
    }
}
