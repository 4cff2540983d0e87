import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs tasks, each in its own `borg-sandbox` child process (the leader of its own session and
/// process group, detached from any terminal, so that it can be throttled and killed as a whole),
/// and hands back their results.
public final class TaskRunner: Sendable {
    /// Path of the `borg-sandbox` executable.
    public let sandboxExecutable: String
    /// The throttle that tasks with a ``TaskLimits/cpuFraction`` are registered with.
    public let throttle: CPUThrottle?
    /// How often a task's directory is measured against its ``TaskLimits/diskBytes``.
    public let diskCheckInterval: Duration

    /// Creates a runner; throws if `sandboxExecutable` is not an executable file.
    public init(
        sandboxExecutable: String, throttle: CPUThrottle? = nil, diskCheckInterval: Duration = .seconds(1)
    ) throws(SandboxError) {
        guard Self.isExecutableFile(sandboxExecutable) else {
            throw .sandboxNotFound("\(sandboxExecutable) is not an executable file")
        }
        self.sandboxExecutable = sandboxExecutable
        self.throttle = throttle
        self.diskCheckInterval = diskCheckInterval
    }

    /// Finds `borg-sandbox`: the path in the environment variable `BORG_SANDBOX` if set,
    /// else the file of that name beside the running executable (`/proc/self/exe`), which is
    /// where SwiftPM puts it for both the client and the test bundle.
    public static func locateSandboxExecutable(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SandboxError) -> String {
        if let path = environment["BORG_SANDBOX"], !path.isEmpty {
            guard isExecutableFile(path) else {
                throw .sandboxNotFound("BORG_SANDBOX=\(path) is not an executable file")
            }
            return path
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw .sandboxNotFound("cannot read /proc/self/exe; set BORG_SANDBOX") }
        let executable = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let candidate = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(
            "borg-sandbox"
        ).path
        guard isExecutableFile(candidate) else {
            throw .sandboxNotFound("no executable \(candidate) beside \(executable); build it or set BORG_SANDBOX")
        }
        return candidate
    }

    /// Starts `task` and returns at once. A task whose app cannot run still starts: its
    /// result says ``SandboxResult/Status/failedToStart``. Throws only for invalid limits,
    /// a CPU fraction without a throttle, or a failure to spawn `borg-sandbox`.
    public func start(_ task: SandboxTask) throws(SandboxError) -> RunningTask {
        try task.limits.validate()
        guard (0...19).contains(task.nice) else { throw .invalidLimit("nice must be in 0...19, got \(task.nice)") }
        if task.limits.cpuFraction != nil, throttle == nil {
            throw .invalidLimit("cpuFraction needs a TaskRunner created with a CPUThrottle")
        }
        unlink(task.resultPath)
        let devNull = try ProcessLauncher.open("/dev/null", O_RDWR)
        defer { close(devNull) }
        let pid = try ProcessLauncher.spawn(
            path: sandboxExecutable,
            arguments: ["borg-sandbox"] + task.commandLine,
            fileDescriptors: [devNull, devNull, STDERR_FILENO],
            newSession: true
        )
        if let fraction = task.limits.cpuFraction, let throttle {
            try? throttle.setMachineFraction(fraction)
            throttle.add(pid)
        }
        return RunningTask(processGroup: pid, task: task, throttle: throttle, diskCheckInterval: diskCheckInterval)
    }

    /// Runs `task` to the end and returns its result; cancelling the calling Swift task
    /// kills the run.
    public func run(_ task: SandboxTask) async throws(SandboxError) -> SandboxResult {
        let running = try start(task)
        return await withTaskCancellationHandler {
            await running.result()
        } onCancel: {
            running.kill()
        }
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }
}
