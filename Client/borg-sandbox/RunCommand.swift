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
            directory, named "."). The app reads in/ and writes out/ (created if missing); its \
            standard output and error are appended to stdout.txt and stderr.txt there.
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

    @Option(help: "Memory limit in bytes (wasm: linear memory; native: address space).")
    var memory: UInt64?

    @Option(help: "Largest file the app may write, in bytes (RLIMIT_FSIZE).")
    var disk: UInt64?

    @Option(help: "Scheduling niceness, 0...19.")
    var nice: Int32 = 0

    @Flag(help: "native: run the app in new user and network namespaces (best effort; see the result).")
    var noNetwork = false

    @Argument(parsing: .postTerminator, help: "Arguments for the app, after --.")
    var arguments: [String] = []

    func validate() throws {
        guard SandboxRuntime(rawValue: runtime) != nil else {
            throw ValidationError("--runtime must be wasm or native, got '\(runtime)'")
        }
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be in 0...19, got \(nice)") }
        do {
            try TaskLimits(memoryBytes: memory, diskBytes: disk, fuel: fuel).validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let outcome = execute()
        do {
            try write(outcome)
        } catch {
            FileHandle.standardError.write(Data("borg-sandbox: cannot write result: \(error)\n".utf8))
            throw ExitCode(70)
        }
        if !outcome.succeeded { throw ExitCode(1) }
    }

    /// Checks the task directory and app, applies the limits shared by both runtimes, and runs.
    private func execute() -> SandboxResult {
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            return SandboxResult(status: .failedToStart, message: SandboxError.badTaskDirectory(directory).description)
        }
        guard stat(app, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return SandboxResult(
                status: .failedToStart, message: "app file \(app) does not exist or is not a regular file")
        }
        let absoluteDirectory = URL(fileURLWithPath: directory).standardizedFileURL.path
        let absoluteApp = URL(fileURLWithPath: app).standardizedFileURL.path
        mkdir(absoluteDirectory + "/out", 0o755)
        let stdio: [Int32]
        do {
            stdio = [
                try ProcessLauncher.open("/dev/null", O_RDONLY),
                try ProcessLauncher.open(absoluteDirectory + "/stdout.txt", O_WRONLY | O_CREAT | O_APPEND),
                try ProcessLauncher.open(absoluteDirectory + "/stderr.txt", O_WRONLY | O_CREAT | O_APPEND),
            ]
        } catch {
            return SandboxResult(status: .failedToStart, message: "\(error)")
        }
        switch SandboxRuntime(rawValue: runtime)! {
        case .wasm:
            // The interpreter is this process: limit it directly. No address-space limit here:
            // WasmKit reserves guard regions of several GiB; the guest's memory is capped instead.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
            ProcessLimits.disableCoreDumps()
            // The file-size limit is a soft one, lifted again before the result is written; a
            // guest write past it fails with EFBIG instead of killing the sandbox.
            signal(SIGXFSZ, SIG_IGN)
            let previous = ProcessLimits.limitFileSize(disk, hard: false)
            defer { ProcessLimits.restoreFileSize(previous) }
            return WasmLauncher(
                module: absoluteApp, directory: absoluteDirectory, arguments: arguments,
                fuel: fuel, memory: memory, stdio: stdio
            ).run()
        case .native:
            return NativeSupervisor(
                app: absoluteApp, directory: absoluteDirectory, arguments: arguments,
                memory: memory, disk: disk, nice: nice, noNetwork: noNetwork, stdio: stdio
            ).run()
        }
    }

    private func write(_ outcome: SandboxResult) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(outcome)
        if let result {
            try data.write(to: URL(fileURLWithPath: result), options: .atomic)
        } else {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }
}
