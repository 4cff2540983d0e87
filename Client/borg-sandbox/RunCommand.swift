import ArgumentParser
import BorgSandbox
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `borg-sandbox run`: runs the app in the task directory and writes a ``SandboxResult``.
///
/// Exit status: 0 when the app succeeded (exited with 0), 1 when it ran and failed or could
/// not start (the result says why), 64 for bad flags, 70 when the result cannot be written.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an app in a task directory and report the result as JSON.",
        discussion: """
            The task directory becomes the app's working directory (for wasm: its only preopened \
            directory, named "."; for native: /task in a bubblewrap sandbox). The app reads in/ and \
            writes out/ (created if missing); its standard output and error are appended to \
            stdout.txt and stderr.txt there. Started as root, the app runs as 'nobody'.
            """
    )

    @Option(help: "The app's runtime: wasm or native.")
    var runtime: String

    @Option(help: "Path of the app: a WASI .wasm module or a native executable.")
    var app: String

    @Option(name: .customLong("dir"), help: "The task directory.")
    var directory: String

    @Option(help: "Write the JSON result to this file (default: standard output).")
    var result: String?

    @Option(help: "wasm: stop the app after N units of fuel (about one per executed operator).")
    var fuel: UInt64?

    @Option(help: "Memory limit in bytes (wasm: linear memory; native: each process's address space, and all the task's processes' resident memory together).")
    var memory: UInt64?

    @Option(help: "Largest file the app may write, in bytes (RLIMIT_FSIZE).")
    var disk: UInt64?

    @Option(help: "Scheduling niceness, 0...19.")
    var nice: Int32 = 0

    @Option(help: "native: the most processes and threads the app's user may have at once (default 256 + 64 per core).")
    var processes: Int?

    @Argument(parsing: .postTerminator, help: "Arguments for the app, after --.")
    var arguments: [String] = []

    func validate() throws {
        guard SandboxRuntime(rawValue: runtime) != nil else {
            throw ValidationError("--runtime must be wasm or native, got '\(runtime)'")
        }
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be in 0...19, got \(nice)") }
        do {
            try TaskLimits(memoryBytes: memory, diskBytes: disk, fuel: fuel, processes: processes).validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        // Opened first, while this process may still be root: the wasm runtime gives that up.
        let output: Int32?
        if let result {
            let fd = open(result, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                FileHandle.standardError.write(Data("borg-sandbox: cannot write result \(result): \(String(cString: strerror(errno)))\n".utf8))
                throw ExitCode(70)
            }
            output = fd
        } else {
            output = nil
        }
        let outcome = execute()
        do {
            try write(outcome, to: output)
        } catch {
            FileHandle.standardError.write(Data("borg-sandbox: cannot write result: \(error)\n".utf8))
            throw ExitCode(70)
        }
        if !outcome.succeeded { throw ExitCode(1) }
    }

    /// Checks the task directory and app, prepares the directory for the app's user, and runs.
    private func execute() -> SandboxResult {
        var info = stat()
        guard stat(app, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return SandboxResult(
                status: .failedToStart, message: "app file \(app) does not exist or is not a regular file")
        }
        let absoluteDirectory = URL(fileURLWithPath: directory).standardizedFileURL.path
        let absoluteApp = URL(fileURLWithPath: app).standardizedFileURL.path
        let user = AppUser.forThisProcess
        let taskDirectory: TaskDirectory
        do {
            taskDirectory = try TaskDirectory(absoluteDirectory)
        } catch {
            return SandboxResult(status: .failedToStart, message: "the task directory cannot be used: \(error)")
        }
        let stdio: [Int32]
        do {
            // Every name an app may have planted is opened without following it (TaskDirectory).
            _ = try taskDirectory.subdirectory("out", create: true)
            stdio = [
                try ProcessLauncher.open("/dev/null", O_RDONLY),
                try taskDirectory.openForAppending("stdout.txt"),
                try taskDirectory.openForAppending("stderr.txt"),
            ]
            try user.handOver(taskDirectory)
        } catch {
            return SandboxResult(status: .failedToStart, message: "\(error)")
        }
        defer { for fd in stdio { close(fd) } }
        switch SandboxRuntime(rawValue: runtime) {
        case .wasm:
            return runWasm(absoluteApp, in: taskDirectory, as: user, stdio: stdio)
        case .native, nil:
            return NativeSupervisor(
                app: absoluteApp, directory: taskDirectory, user: user, arguments: arguments, memory: memory, disk: disk,
                nice: nice, processes: processes ?? Self.defaultProcesses, stdio: stdio
            ).run()
        }
    }

    /// The interpreter is this process: read the module, enter the task directory and become the app's
    /// user, then limit this process directly. No address-space limit here: WasmKit reserves guard
    /// regions of several GiB; the guest's memory is capped instead.
    private func runWasm(_ module: String, in taskDirectory: TaskDirectory, as user: AppUser, stdio: [Int32]) -> SandboxResult {
        guard let bytes = FileManager.default.contents(atPath: module) else {
            return SandboxResult(status: .failedToStart, message: "cannot read the app \(module)")
        }
        guard fchdir(taskDirectory.descriptor) == 0 else {
            return SandboxResult(status: .failedToStart, message: "cannot enter \(taskDirectory.path): \(String(cString: strerror(errno)))")
        }
        if let failure = user.become() { return SandboxResult(status: .failedToStart, message: failure) }
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
        ProcessLimits.disableCoreDumps()
        // The file-size limit is a soft one, lifted again before the result is written; a
        // guest write past it fails with EFBIG instead of killing the sandbox.
        signal(SIGXFSZ, SIG_IGN)
        let previous = ProcessLimits.limitFileSize(disk, hard: false)
        defer { ProcessLimits.restoreFileSize(previous) }
        return WasmLauncher(
            name: URL(fileURLWithPath: module).lastPathComponent, module: [UInt8](bytes), arguments: arguments,
            fuel: fuel, memory: memory, stdio: stdio
        ).run()
    }

    /// The process limit of a native task when none is given: room for a thread per core and then some.
    private static var defaultProcesses: Int { 256 + 64 * ProcessInfo.processInfo.activeProcessorCount }

    private func write(_ outcome: SandboxResult, to output: Int32?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(outcome)
        guard let output else {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        let handle = FileHandle(fileDescriptor: output, closeOnDealloc: true)
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }
}
