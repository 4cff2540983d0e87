import BorgSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs a native app in its bubblewrap sandbox (``BubblewrapCommand``) and waits for it.
///
/// The child is this same executable in its `exec-native` mode (``ExecNativeCommand``), which limits
/// itself, becomes the app's user and execs bwrap; doing that in a fresh process avoids running Swift
/// code between fork and exec. Meanwhile this process adds up the resident memory of every process
/// below the child (the PID namespace keeps them all there) and kills the sandbox when together they
/// hold more than the memory limit.
struct NativeSupervisor {
    let app: String
    let directory: TaskDirectory
    let user: AppUser
    let arguments: [String]
    let memory: UInt64?
    let disk: UInt64?
    let nice: Int32
    let processes: Int
    /// Host descriptors for the app's stdin, stdout and stderr.
    let stdio: [Int32]

    /// How often the sandbox's memory is added up.
    private static let memoryCheckInterval: Duration = .milliseconds(200)

    /// Runs the app to completion and describes how it ended.
    func run() -> SandboxResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = execute()
        result.wallSeconds = (clock.now - start) / .seconds(1)
        return result
    }

    private func execute() -> SandboxResult {
        guard let bwrap = Bubblewrap.locate() else {
            return SandboxResult(
                status: .failedToStart,
                message: "native apps run only in bubblewrap, which is not installed (\(Bubblewrap.candidates.joined(separator: ", ")) "
                    + "missing): install the 'bubblewrap' package, or refuse native apps with 'borg-client config --no-native'")
        }
        if user.isAnotherUser, let blocked = user.blockedAncestor(of: directory.path) {
            return SandboxResult(
                status: .failedToStart,
                message: "the app's user (uid \(user.uid)) cannot reach \(directory.path): \(blocked) must be searchable by it (o+x)")
        }
        let appFD = open(app, O_RDONLY | O_CLOEXEC)
        guard appFD >= 0 else {
            return SandboxResult(status: .failedToStart, message: "cannot open the app \(app): \(String(cString: strerror(errno)))")
        }
        defer { close(appFD) }
        let filter = SeccompFilter.forThisMachine
        let pipes: (report: DescriptorPipe, status: DescriptorPipe, seccomp: DescriptorPipe)
        do {
            pipes = (try DescriptorPipe(), try DescriptorPipe(), try DescriptorPipe())
        } catch {
            return SandboxResult(status: .failedToStart, message: "\(error)")
        }
        if let filter { pipes.seccomp.send(filter.program) }
        pipes.seccomp.closeWriting()

        var launcher = ["borg-sandbox", "exec-native", "--bwrap", bwrap, "--nice", String(nice)]
        launcher += ["--processes", String(processes), "--report-fd", "3"]
        if let memory { launcher += ["--memory", String(memory)] }
        if let disk { launcher += ["--disk", String(disk)] }
        if filter != nil { launcher.append("--seccomp") }
        launcher += ["--"] + arguments
        let pid: pid_t
        do {
            pid = try ProcessLauncher.spawn(
                path: Self.ownExecutable(), arguments: launcher, environment: [],
                fileDescriptors: stdio + [
                    pipes.report.writing, directory.descriptor, appFD, pipes.seccomp.reading, pipes.status.writing,
                ],
                newSession: false)
        } catch {
            return SandboxResult(status: .failedToStart, message: "\(error)")
        }
        pipes.report.closeWriting()
        pipes.status.closeWriting()
        pipes.seccomp.closeReading()
        let launchError = pipes.report.readAll().split(separator: "\n").first { $0.hasPrefix("error=") }

        let (status, usage, peak, overMemory) = wait(for: pid)
        // bwrap reports its child before it builds the sandbox, and fails with exit code 1 and a message
        // of its own on standard error when it cannot (an app that imitates that only mislabels its
        // error). Not waiting for the status: bwrap is gone, and nothing else may hold the pipe open.
        let said = lastLine(of: "stderr.txt")
        let started =
            pipes.status.readAll(waiting: false).contains("\"child-pid\"")
            && !(status.exitCode == 1 && said?.hasPrefix("bwrap: ") == true)
        let cpu =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        var result = SandboxResult(
            status: .exited, cpuSeconds: cpu, peakMemoryBytes: max(peak, UInt64(max(0, usage.ru_maxrss)) * 1024),
            networkIsolated: started)
        if let launchError {
            result.status = .failedToStart
            result.message = String(launchError.dropFirst("error=".count))
        } else if overMemory {
            result.status = .memoryLimitExceeded
            result.message = "the app's processes together used more than \(memory ?? 0) bytes of memory"
        } else if let signal = status.signal {
            result.status = .killed
            result.message = "the sandbox was ended by signal \(signal)"
        } else if !started {
            result.status = .failedToStart
            result.message = "the native sandbox could not be set up (bwrap exited with \(status.exitCode ?? -1))\(said.map { ": \($0)" } ?? "")"
        } else {
            classify(exitCode: status.exitCode ?? 0, into: &result)
        }
        return result
    }

    /// Waits for the launcher (bwrap, once it execs); with a memory limit, polls instead and adds up the
    /// sandbox's memory, killing it once over the limit. Returns the wait status, the rusage, the peak
    /// total resident memory seen and whether the limit was exceeded.
    private func wait(for pid: pid_t) -> (WaitStatus, rusage, UInt64, Bool) {
        var status: Int32 = 0
        var usage = rusage()
        var peak: UInt64 = 0
        var overMemory = false
        guard let memory else {
            while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
            return (WaitStatus(status), usage, peak, overMemory)
        }
        var nextCheck = ContinuousClock.now
        while true {
            let waited = wait4(pid, &status, WNOHANG, &usage)
            if waited == pid || (waited < 0 && errno != EINTR) { break }
            if !overMemory, ContinuousClock.now >= nextCheck {
                nextCheck = .now + Self.memoryCheckInterval
                let used = ResourceUsage.descendants(of: pid).residentBytes
                peak = max(peak, used)
                if used > memory {
                    overMemory = true
                    kill(pid, SIGKILL)  // bwrap: the sandbox and every process in it die with it
                }
            }
            usleep(20_000)
        }
        return (WaitStatus(status), usage, peak, overMemory)
    }

    /// bwrap exits with the app's exit code, or with 128 + N when signal N ended the app.
    private func classify(exitCode: Int32, into result: inout SandboxResult) {
        guard exitCode > 128, exitCode - 128 < 65 else {
            result.exitCode = exitCode
            if exitCode != 0 { result.message = "the app exited with code \(exitCode)" }
            return
        }
        let signal = exitCode - 128
        result.signal = signal
        switch signal {
        case SIGXFSZ:
            result.status = .diskLimitExceeded
            result.message = "the app wrote a file larger than \(disk ?? 0) bytes"
        case SIGSYS:
            result.status = .signaled
            result.message = "the app was killed for a system call of another architecture"
        default:
            result.status = .signaled
            result.message = "the app was ended by signal \(signal)"
        }
    }

    private func lastLine(of name: String) -> String? {
        directory.tail(of: name, bytes: 2048).flatMap {
            String(decoding: $0, as: UTF8.self).split(separator: "\n").last.map(String.init)
        }
    }

    private static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return length > 0
            ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
    }
}
