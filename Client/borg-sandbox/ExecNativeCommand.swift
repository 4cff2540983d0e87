import ArgumentParser
import BorgSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `borg-sandbox exec-native` (internal): the child that ``NativeSupervisor`` starts. It
/// limits itself, enters the task directory, tries new user and network namespaces, reports
/// one line per step on the report descriptor, and then execs the app (the report descriptor
/// is close-on-exec, so the supervisor sees end-of-file once the app is running).
struct ExecNativeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-native",
        abstract: "Internal: limit this process, then become the native app.",
        shouldDisplay: false
    )

    @Option(name: .customLong("dir")) var directory: String
    @Option var memory: UInt64?
    @Option var disk: UInt64?
    @Option var nice: Int32 = 0
    @Option var reportFd: Int32
    @Flag var noNetwork = false
    @Argument(parsing: .postTerminator) var command: [String]

    private static let cloneNewUser: Int32 = 0x1000_0000
    private static let cloneNewNet: Int32 = 0x4000_0000

    func run() throws {
        guard let app = command.first else { fail("no app given") }
        let argv = CStringArray(command)
        ProcessLimits.limitFileSize(disk, hard: true)
        ProcessLimits.disableCoreDumps()
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
        guard chdir(directory) == 0 else { fail("cannot enter \(directory): \(Self.errorText())") }
        if noNetwork {
            report(isolateNetwork(uid: getuid(), gid: getgid()))
        }
        closeOnExecAll()
        // Last, so that this Swift process does not run out of memory before the exec.
        if let memory { ProcessLimits.limitMemory(memory) }
        argv.withPointers { _ = execve(app, $0, environ) }
        fail("cannot execute \(app): \(Self.errorText())")
    }

    /// Moves into new user and network namespaces: the app then sees only a loopback device
    /// that is down. Maps the caller's own uid/gid so file ownership looks unchanged.
    private func isolateNetwork(uid: uid_t, gid: gid_t) -> String {
        typealias Unshare = @convention(c) (Int32) -> Int32
        // unshare(2) is not exported by Swift's Glibc module (it needs _GNU_SOURCE).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else {
            return "network=not-isolated: unshare is unavailable"
        }
        let unshare = unsafeBitCast(symbol, to: Unshare.self)
        guard unshare(Self.cloneNewUser | Self.cloneNewNet) == 0 else {
            return "network=not-isolated: unshare failed: \(Self.errorText())"
        }
        writeProcFile("/proc/self/setgroups", "deny")
        writeProcFile("/proc/self/uid_map", "\(uid) \(uid) 1")
        writeProcFile("/proc/self/gid_map", "\(gid) \(gid) 1")
        return "network=isolated"
    }

    private func writeProcFile(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// Marks every inherited descriptor above stderr close-on-exec, the report pipe included.
    private func closeOnExecAll() {
        guard let dir = opendir("/proc/self/fd") else { return }
        var fds: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd > 2 { fds.append(fd) }
        }
        closedir(dir)
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }

    private func report(_ line: String) {
        _ = (line + "\n").withCString { write(reportFd, $0, strlen($0)) }
    }

    private func fail(_ message: String) -> Never {
        report("error=" + message.replacingNewlines())
        _exit(127)
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

extension String {
    /// The string on one line, for the line-based report.
    fileprivate func replacingNewlines() -> String {
        String(map { $0 == "\n" ? " " : $0 })
    }
}
