import BorgSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs a native app as a child process and waits for it.
///
/// The child is this same executable in its `exec-native` mode: it limits itself, enters the
/// task directory and new namespaces, reports on a pipe, and then becomes the app by execve.
/// Doing that work in a fresh process avoids running Swift code between fork and exec.
struct NativeSupervisor {
    let app: String
    let directory: String
    let arguments: [String]
    let memory: UInt64?
    let disk: UInt64?
    let nice: Int32
    let noNetwork: Bool
    /// Host descriptors for the app's stdin, stdout and stderr.
    let stdio: [Int32]

    /// The environment the app sees: nothing of the donor's.
    var environment: [String] {
        ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=\(directory)", "TMPDIR=\(directory)", "LC_ALL=C"]
    }

    /// Runs the app to completion and describes how it ended.
    func run() -> SandboxResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = execute()
        result.wallSeconds = (clock.now - start) / .seconds(1)
        return result
    }

    private func execute() -> SandboxResult {
        guard access(app, X_OK) == 0 else {
            return SandboxResult(status: .failedToStart, message: "app file \(app) is not executable")
        }
        var report: [Int32] = [0, 0]
        guard pipe(&report) == 0 else {
            return SandboxResult(status: .failedToStart, message: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in report { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var stage = ["borg-sandbox", "exec-native", "--dir", directory, "--nice", String(nice), "--report-fd", "3"]
        if let memory { stage += ["--memory", String(memory)] }
        if let disk { stage += ["--disk", String(disk)] }
        if noNetwork { stage.append("--no-network") }
        stage += ["--", app] + arguments

        let pid: pid_t
        do {
            pid = try ProcessLauncher.spawn(
                path: Self.ownExecutable(), arguments: stage, environment: environment,
                fileDescriptors: stdio + [report[1]], newProcessGroup: false)
        } catch {
            close(report[0])
            close(report[1])
            return SandboxResult(status: .failedToStart, message: "\(error)")
        }
        close(report[1])
        let lines = Self.readAll(report[0]).split(separator: "\n")
        close(report[0])

        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let cpu =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let isolated = lines.contains("network=isolated")
        let wait = WaitStatus(status)

        var result = SandboxResult(
            status: .exited, exitCode: wait.exitCode, cpuSeconds: cpu,
            peakMemoryBytes: UInt64(usage.ru_maxrss) * 1024, networkIsolated: isolated)
        if let error = lines.first(where: { $0.hasPrefix("error=") }) {
            result.status = .failedToStart
            result.exitCode = nil
            result.message = String(error.dropFirst("error=".count))
        } else if let signal = wait.signal {
            result.exitCode = nil
            result.signal = signal
            result.status = signal == SIGXFSZ ? .diskLimitExceeded : .signaled
            result.message =
                signal == SIGXFSZ
                ? "the app wrote a file larger than \(disk ?? 0) bytes" : "the app was ended by signal \(signal)"
        } else if wait.exitCode != 0 {
            result.message = "the app exited with code \(wait.exitCode ?? -1)"
        }
        if noNetwork, !isolated {
            let note = "network isolation was not applied: \(lines.first { $0.hasPrefix("network=") } ?? "no report")"
            result.message = result.message.map { "\($0); \(note)" } ?? note
        }
        return result
    }

    private static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                bytes += buffer[..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return length > 0
            ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
    }
}
