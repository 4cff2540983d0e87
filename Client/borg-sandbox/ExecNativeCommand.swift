import ArgumentParser
import BorgSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `borg-sandbox exec-native` (internal): the launcher that ``NativeSupervisor`` starts with the
/// descriptors of ``BubblewrapCommand/Descriptor`` and a report pipe. It limits itself (file size, core
/// dumps, niceness, processes, address space), becomes the app's user (``AppUser``) with no way back to
/// more privileges, and execs bwrap, which builds the sandbox and runs the app. A failure before the exec
/// is one `error=` line on the report pipe (close-on-exec, so the supervisor sees end-of-file once bwrap
/// runs) and exit code 127.
struct ExecNativeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-native",
        abstract: "Internal: limit this process, become the app's user, then run the app in bubblewrap.",
        shouldDisplay: false
    )

    @Option var bwrap: String
    @Option var memory: UInt64?
    @Option var disk: UInt64?
    @Option var nice: Int32 = 0
    @Option var processes: Int
    @Option var reportFd: Int32
    @Flag var seccomp = false
    @Argument(parsing: .postTerminator) var arguments: [String] = []

    func run() throws {
        ProcessLimits.limitFileSize(disk, hard: true)
        ProcessLimits.disableCoreDumps()
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
        let user = AppUser.forThisProcess
        if let failure = user.become() { fail(failure) }
        // After the switch: a process count above the limit at setuid time would fail the exec.
        ProcessLimits.limitProcesses(processes)
        let command = BubblewrapCommand(bwrap: bwrap, user: user, arguments: arguments, seccomp: seccomp)
        let argv = CStringArray(command.argv)
        let environment = CStringArray([])
        closeOnExecAll(keeping: [
            BubblewrapCommand.Descriptor.taskDirectory, BubblewrapCommand.Descriptor.app,
            BubblewrapCommand.Descriptor.seccomp, BubblewrapCommand.Descriptor.status,
        ])
        // Last, so that this Swift process does not run out of memory before the exec.
        if let memory { ProcessLimits.limitMemory(memory) }
        argv.withPointers { argv in environment.withPointers { _ = execve(bwrap, argv, $0) } }
        fail("cannot execute \(bwrap): \(String(cString: strerror(errno)))")
    }

    /// Marks every inherited descriptor above stderr close-on-exec (the report pipe included) except
    /// `kept`, which bwrap needs.
    private func closeOnExecAll(keeping kept: Set<Int32>) {
        guard let dir = opendir("/proc/self/fd") else { return }
        var fds: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd > 2 { fds.append(fd) }
        }
        closedir(dir)
        for fd in fds { _ = fcntl(fd, F_SETFD, kept.contains(fd) ? 0 : FD_CLOEXEC) }
    }

    private func fail(_ message: String) -> Never {
        let line = "error=" + String(message.map { $0 == "\n" ? " " : $0 }) + "\n"
        _ = line.withCString { write(reportFd, $0, strlen($0)) }
        _exit(127)
    }
}
