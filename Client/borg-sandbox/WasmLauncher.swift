import BorgSandbox
import WASI
@_spi(Fuzzing) import WasmKit
import WasmKitWASI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs a WASI preview 1 command module in this process with WasmKit: the working directory (the
/// task directory) is its only preopened directory ("."), where it cannot create symbolic links (WASI
/// `path_symlink` answers EPERM), fuel is always metered (so the work done is counted
/// deterministically), and its linear memory is capped.
struct WasmLauncher {
    /// The app's file name, for messages and the guest's argv[0].
    let name: String
    let module: [UInt8]
    let arguments: [String]
    /// The fuel budget; nil means unlimited (fuel is still counted).
    let fuel: UInt64?
    let memory: UInt64?
    /// Host descriptors for the guest's stdin, stdout and stderr.
    let stdio: [Int32]

    /// Runs the module to completion and describes how it ended.
    func run() -> SandboxResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = execute()
        result.wallSeconds = (clock.now - start) / .seconds(1)
        result.cpuSeconds = Self.cpuSecondsUsed()
        result.networkIsolated = true
        return result
    }

    private func execute() -> SandboxResult {
        let parsed: Module
        do {
            parsed = try parseWasm(bytes: module)
        } catch {
            return SandboxResult(
                status: .failedToStart, message: "\(name) is not a valid WebAssembly module: \(error)")
        }
        guard parsed.exports.contains(where: { $0.name == "_start" }) else {
            return SandboxResult(
                status: .failedToStart, message: "\(name) exports no _start function: not a WASI command module")
        }

        // Eager compilation validates every function before the guest starts, so a malformed
        // body is a start failure rather than a trap halfway through the work.
        let engine = Engine(configuration: EngineConfiguration(compilationMode: .eager, fuelMetering: true))
        let store = Store(engine: engine)
        let cap = MemoryCap(limit: memory)
        store.resourceLimiter = cap
        let budget = fuel ?? UInt64.max
        store.fuel = Fuel(remaining: budget)

        let wasi: WASIBridgeToHost
        do {
            wasi = try WASIBridgeToHost(
                args: [name] + arguments,
                environment: [:],
                preopens: [WASIBridgeToHost.Preopen(guestPath: ".", hostPath: ".")],
                stdin: stdio[0], stdout: stdio[1], stderr: stdio[2]
            )
        } catch {
            return SandboxResult(status: .failedToStart, message: "cannot open the task directory for WASI: \(error)")
        }

        var instantiated = false
        var result: SandboxResult
        do {
            let code = try wasi.runAndClose { wasi in
                var imports = Imports()
                wasi.link(to: &imports, store: store)
                Self.refuseSymbolicLinks(in: &imports, store: store)
                let instance = try parsed.instantiate(store: store, imports: imports)
                instantiated = true
                return try wasi.start(instance)
            }
            let exitCode = Int32(bitPattern: code)
            result = SandboxResult(status: .exited, exitCode: exitCode)
            if exitCode != 0, cap.refused {
                result.status = .memoryLimitExceeded
                result.message =
                    "the app exited with code \(exitCode) after being refused memory beyond \(memory ?? 0) bytes"
            }
        } catch {
            result = classify(error, instantiated: instantiated, refusedMemory: cap.refused)
        }
        result.fuelUsed = budget - (store.fuel?.remaining ?? budget)
        result.peakMemoryBytes = UInt64(cap.peakBytes)
        return result
    }

    /// Turns an error from instantiation or execution into a result.
    private func classify(_ error: any Error, instantiated: Bool, refusedMemory: Bool) -> SandboxResult {
        let description = "\(error)"
        if refusedMemory {
            return SandboxResult(
                status: .memoryLimitExceeded,
                message: "the app needs more than \(memory ?? 0) bytes of memory: \(description)")
        }
        guard instantiated else {
            return SandboxResult(status: .failedToStart, message: "cannot instantiate \(name): \(description)")
        }
        // WasmKit 0.4.2 keeps the trap reason package-private; its text is "out of fuel".
        if error is Trap, description.contains("out of fuel") {
            return SandboxResult(status: .outOfFuel, message: "the app used up its fuel budget of \(fuel ?? 0)")
        }
        return SandboxResult(status: .trapped, message: description)
    }

    /// Replaces WASI's `path_symlink` with one that answers EPERM: a link the app made in its task
    /// directory could lead the client, which reads that directory later, to a file outside it.
    private static func refuseSymbolicLinks(in imports: inout Imports, store: Store) {
        let permissionDenied: UInt32 = 63  // WASI's errno EPERM
        imports.define(
            module: "wasi_snapshot_preview1", name: "path_symlink",
            Function(store: store, parameters: [.i32, .i32, .i32, .i32, .i32], results: [.i32]) { _, _ in
                [.i32(permissionDenied)]
            })
    }

    private static func cpuSecondsUsed() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
