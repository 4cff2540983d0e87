#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Starts child processes with `posix_spawn`: explicit argv, environment and file
/// descriptors, default signal handling, optionally as the leader of a new session (and so of a
/// new process group, with no controlling terminal).
package enum ProcessLauncher {
    /// Spawns `path` with `arguments` as its argv (argv[0] included). `fileDescriptors[i]`
    /// becomes the child's descriptor `i` (0, 1, 2, …);
    /// `environment` nil inherits this process's. Returns the child's pid.
    package static func spawn(
        path: String,
        arguments: [String],
        environment: [String]? = nil,
        fileDescriptors: [Int32],
        newSession: Bool
    ) throws(SandboxError) -> pid_t {
        // The dup2s run in order, so a source among the targets (a descriptor below
        // fileDescriptors.count) would be overwritten before its turn: copy those above first.
        var sources = fileDescriptors
        var copies: [Int32] = []
        defer { for copy in copies { close(copy) } }
        for (index, source) in sources.enumerated() where source < Int32(sources.count) {
            let copy = fcntl(source, F_DUPFD_CLOEXEC, Int32(sources.count))
            guard copy >= 0 else { throw .system("cannot copy descriptor \(source): \(String(cString: strerror(errno)))") }
            copies.append(copy)
            sources[index] = copy
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in sources.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source, Int32(target))
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession { flags |= Self.setSession }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        let argv = CStringArray(arguments)
        let envp = environment.map(CStringArray.init)
        var pid: pid_t = 0
        let rc = argv.withPointers { argvPointer in
            if let envp {
                envp.withPointers { posix_spawn(&pid, path, &actions, &attributes, argvPointer, $0) }
            } else {
                posix_spawn(&pid, path, &actions, &attributes, argvPointer, environ)
            }
        }
        guard rc == 0 else {
            throw .system("cannot start \(path): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// glibc's POSIX_SPAWN_SETSID, which Swift's Glibc module does not export (it needs _GNU_SOURCE).
    private static let setSession: Int32 = 0x80

    /// Opens `path` with `flags` (O_CLOEXEC added) and mode 0644.
    package static func open(_ path: String, _ flags: Int32) throws(SandboxError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("cannot open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }
}

/// A NULL-terminated `char *[]` built from Swift strings, freed on deinit.
package final class CStringArray {
    private var pointers: [UnsafeMutablePointer<CChar>?]

    /// Copies `strings` into C memory.
    package init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    deinit {
        for pointer in pointers { free(pointer) }
    }

    /// Calls `body` with the array's base address.
    package func withPointers<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
