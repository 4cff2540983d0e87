import BorgHarness
import BorgSandbox
import Foundation
import Testing

/// Paths and helpers shared by the sandbox tests: the built `borg-sandbox`, the example
/// projects' apps, a native probe app compiled from Fixtures/probe.c, and task directories.
enum SandboxFixtures {
    /// The package root, found from this source file (Tests/BorgSandboxTests/…).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A path inside Projects/.
    static func project(_ relativePath: String) -> String {
        packageRoot.appendingPathComponent("Projects").appendingPathComponent(relativePath).path
    }

    /// A runner using the `borg-sandbox` that SwiftPM built beside the test bundle (or the
    /// one named by the BORG_SANDBOX environment variable).
    static func runner(throttle: CPUThrottle? = nil, diskCheckInterval: Duration = .seconds(1)) throws -> TaskRunner {
        try TaskRunner(
            sandboxExecutable: TaskRunner.locateSandboxExecutable(), throttle: throttle,
            diskCheckInterval: diskCheckInterval)
    }

    /// The native probe app (Fixtures/probe.c), compiled once per test run with `cc`.
    static func probe() throws -> String {
        try compiledProbe.get()
    }

    /// The wasm escape app (Fixtures/escape.c), compiled once per test run with the Swift
    /// toolchain's `clang`.
    static func escapeModule() throws -> String {
        try compiledEscape.get()
    }

    /// The native hostile app (Fixtures/hostile.c), compiled once per test run with `cc`.
    static func hostile() throws -> String {
        try compiledHostile.get()
    }

    /// The wasm hostile app (Fixtures/hostile_wasm.c), compiled once per test run with the Swift
    /// toolchain's `clang`.
    static func hostileModule() throws -> String {
        try compiledHostileModule.get()
    }

    private static let compiledHostile = Result {
        try compile("cc", ["-O1"], sources: ["Tests/BorgSandboxTests/Fixtures/hostile.c"], output: "hostile")
    }

    private static let compiledHostileModule = Result {
        try compile("clang", wasmFlags, sources: ["Tests/BorgSandboxTests/Fixtures/hostile_wasm.c", "Projects/common/platform_wasi.c"],
            output: "hostile.wasm")
    }

    private static let compiledProbe = Result {
        try compile("cc", ["-O1", "-pthread"], sources: ["Tests/BorgSandboxTests/Fixtures/probe.c"], output: "probe")
    }

    private static let compiledEscape = Result {
        try compile(
            "clang", wasmFlags, sources: ["Tests/BorgSandboxTests/Fixtures/escape.c", "Projects/common/platform_wasi.c"],
            output: "escape.wasm")
    }

    /// A WASI command module without libc, over Projects/common's host layer.
    private static let wasmFlags = [
        "--target=wasm32", "-nostdlib", "-fno-builtin", "-O1", "-Wl,--no-entry", "-Wl,--export=_start",
        "-I", packageRoot.appendingPathComponent("Projects/common").path,
    ]

    /// Compiles package-relative `sources` and returns the output's path. Outputs are cached
    /// in the temporary directory under a hash of the command and sources, so repeated test
    /// runs reuse them instead of leaving a new file behind each time.
    private static func compile(_ compiler: String, _ flags: [String], sources: [String], output: String) throws
        -> String
    {
        let paths = sources.map { packageRoot.appendingPathComponent($0).path }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the command line and the sources
        for byte in Array(([compiler] + flags).joined(separator: " ").utf8)
            + paths.flatMap({ path in
                (try? Data(contentsOf: URL(fileURLWithPath: path))).map(Array.init) ?? []
            })
        {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("borg-sandbox-test-fixtures")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let path = cache.appendingPathComponent("\(String(hash, radix: 16))-\(output)").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }

        let partial = path + ".\(ProcessInfo.processInfo.processIdentifier).partial"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [compiler] + flags + ["-o", partial] + paths
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SandboxError.system("\(compiler) failed to build \(output) (status \(process.terminationStatus))")
        }
        guard rename(partial, path) == 0 else { throw SandboxError.system("cannot move \(partial) to \(path)") }
        return path
    }

    /// Writes a minimal WebAssembly module beside `directory` and returns its path: one
    /// function of type [] -> [] with no locals, exported as `export`, whose code is `body`.
    static func writeModule(export: String, body: [UInt8], beside directory: String) throws -> String {
        let code: [UInt8] = [0] + body + [0x0B]
        let name = Array(export.utf8)
        let exports: [UInt8] = [1, UInt8(name.count)] + name + [0, 0]
        let bytes: [UInt8] =
            Array("\0asm".utf8) + [1, 0, 0, 0]
            + [1, 4, 1, 0x60, 0, 0]  // type section: () -> ()
            + [3, 2, 1, 0]  // function section: one function of type 0
            + [7, UInt8(exports.count)] + exports
            + [0x0A, UInt8(code.count + 2), 1, UInt8(code.count)] + code
        let path = directory + ".module-\(export).wasm"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A fresh task directory with `in/` and `out/`, holding `inputs` (name → text) in `in/`.
    static func taskDirectory(inputs: [String: String] = [:]) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("borg-task-\(UUID().uuidString)")
        for sub in ["in", "out"] {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for (name, text) in inputs {
            try text.write(
                to: directory.appendingPathComponent("in").appendingPathComponent(name), atomically: true,
                encoding: .utf8)
        }
        return directory.path
    }

    /// Removes a task directory (however deep an app nested it) and its result file.
    static func remove(_ task: SandboxTask) {
        try? DirectoryTree.remove(task.directory)
        try? FileManager.default.removeItem(atPath: task.resultPath)
    }

    /// The live processes whose name (`/proc/<pid>/comm`) is `name`. Throws when `/proc` cannot be read:
    /// a read error is not "none".
    static func processes(named name: String) throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).filter { pid in
            guard let comm = try ProcFile.read(pid: pid, "comm"),
                comm.trimmingCharacters(in: .whitespacesAndNewlines) == name
            else { return false }
            let state = (try ProcFile.read(pid: pid, "stat"))?.split(separator: ")").last?.split(separator: " ").first
            return state != nil && state != "Z"
        }
    }

    /// A process name no other process has: 15 characters at most, as the kernel keeps them.
    static func uniqueProcessName() -> String {
        "bh" + UUID().uuidString.prefix(8).lowercased()
    }

    /// The text of a file in a task directory, or nil.
    static func read(_ directory: String, _ name: String) -> String? {
        try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
    }
}
