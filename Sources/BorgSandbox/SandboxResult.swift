/// What happened to one run of a task: written as JSON by `borg-sandbox run --result FILE`
/// and returned by ``TaskRunner``.
public struct SandboxResult: Codable, Sendable, Equatable {
    /// How the run ended.
    public enum Status: String, Codable, Sendable {
        /// The app exited by itself; see ``SandboxResult/exitCode`` (0 is success).
        case exited
        /// A native app was ended by a signal; see ``SandboxResult/signal``.
        case signaled
        /// A WebAssembly app trapped (a fault in the guest); see ``SandboxResult/message``.
        case trapped
        /// A WebAssembly app used up its fuel budget.
        case outOfFuel
        /// A WebAssembly app asked for more memory than its limit and then failed, or a native app's
        /// processes together held more resident memory than the limit and were killed.
        case memoryLimitExceeded
        /// The task directory grew past the disk limit, or a file past the file-size limit.
        case diskLimitExceeded
        /// The task was killed from outside (cancelled, abandoned, or its sandbox died).
        case killed
        /// The app never ran: missing or unreadable app, invalid module, bad task directory.
        case failedToStart
    }

    /// How the run ended.
    public var status: Status
    /// The app's exit code when ``status`` is ``Status/exited``.
    public var exitCode: Int32?
    /// The signal that ended a native app when ``status`` is ``Status/signaled``.
    public var signal: Int32?
    /// CPU time (user + system) the run used, in seconds.
    public var cpuSeconds: Double
    /// Wall-clock time of the run, in seconds.
    public var wallSeconds: Double
    /// WebAssembly fuel the run consumed (deterministic for a given module, input and
    /// WasmKit version); `nil` for native apps.
    public var fuelUsed: UInt64?
    /// Peak memory: the guest's linear memory for `wasm`; for `native`, the most resident memory
    /// seen in the app's processes together (or of its largest process, if that was more).
    public var peakMemoryBytes: UInt64?
    /// Whether the app was cut off from the network: `true` for `wasm` (WASI preview 1 has no
    /// way to open sockets) and for `native` once its sandbox (with its own network namespace) was set up.
    public var networkIsolated: Bool?
    /// A human-readable explanation when the run did not succeed.
    public var message: String?

    /// `true` when the app exited with code 0: its outputs in `out/` may be reported.
    public var succeeded: Bool { status == .exited && exitCode == 0 }

    /// Creates a result.
    public init(
        status: Status, exitCode: Int32? = nil, signal: Int32? = nil, cpuSeconds: Double = 0, wallSeconds: Double = 0,
        fuelUsed: UInt64? = nil, peakMemoryBytes: UInt64? = nil, networkIsolated: Bool? = nil, message: String? = nil
    ) {
        self.status = status
        self.exitCode = exitCode
        self.signal = signal
        self.cpuSeconds = cpuSeconds
        self.wallSeconds = wallSeconds
        self.fuelUsed = fuelUsed
        self.peakMemoryBytes = peakMemoryBytes
        self.networkIsolated = networkIsolated
        self.message = message
    }
}
