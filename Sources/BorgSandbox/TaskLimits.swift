/// The resource limits one task runs under. `nil` means "no limit of this kind".
public struct TaskLimits: Codable, Sendable, Equatable {
    /// The share of the whole machine (0...1, all cores together) that the donor's running
    /// tasks may use; applied by ``TaskRunner`` through its ``CPUThrottle``.
    public var cpuFraction: Double?
    /// Memory: the guest's linear memory for `wasm`; for `native`, the address space of each process
    /// (RLIMIT_AS and RLIMIT_DATA) and the resident memory of all the task's processes together.
    public var memoryBytes: UInt64?
    /// Disk: the most the task directory may hold (checked by ``TaskRunner``); also the
    /// largest file the app may write (RLIMIT_FSIZE).
    public var diskBytes: UInt64?
    /// WebAssembly fuel budget (about one unit per executed operator); ignored for `native`.
    public var fuel: UInt64?
    /// `native`: the most processes and threads the app's user may have at once (RLIMIT_NPROC, which
    /// the task's own user namespace makes hold for the whole task); `nil` for the sandbox's default,
    /// never unlimited. Ignored for `wasm`, which cannot start processes.
    public var processes: Int?

    /// Creates limits; every limit defaults to none.
    public init(
        cpuFraction: Double? = nil, memoryBytes: UInt64? = nil, diskBytes: UInt64? = nil, fuel: UInt64? = nil,
        processes: Int? = nil
    ) {
        self.cpuFraction = cpuFraction
        self.memoryBytes = memoryBytes
        self.diskBytes = diskBytes
        self.fuel = fuel
        self.processes = processes
    }

    /// Throws ``SandboxError/invalidLimit(_:)`` naming the first limit out of range.
    public func validate() throws(SandboxError) {
        if let cpuFraction, !(cpuFraction > 0 && cpuFraction <= 1) {
            throw .invalidLimit("cpuFraction must be in (0, 1], got \(cpuFraction)")
        }
        if memoryBytes == 0 { throw .invalidLimit("memoryBytes must be positive") }
        if diskBytes == 0 { throw .invalidLimit("diskBytes must be positive") }
        if fuel == 0 { throw .invalidLimit("fuel must be positive") }
        if let processes, processes < 1 { throw .invalidLimit("processes must be positive, got \(processes)") }
    }
}
