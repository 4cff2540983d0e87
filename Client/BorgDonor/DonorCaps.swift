import BorgSandbox

/// What the donor allows the grid to use on this machine.
public struct DonorCaps: Codable, Sendable, Equatable {
    /// Share of the whole machine (all cores together) that tasks may use, in (0, 1].
    public var cpuFraction: Double
    /// The most the task directories and cached apps may hold together.
    public var diskBytes: UInt64
    /// The most memory the running tasks may use together.
    public var memoryBytes: UInt64
    /// Whether native apps may run here (each in its bubblewrap sandbox); when not, the host asks for
    /// `wasm` work only and gives back any native task it is sent.
    public var allowsNative: Bool

    /// The platform name of a native app for this machine, as work requests list it.
    public static var nativePlatform: String {
        #if arch(x86_64)
            "native-linux-x86_64"
        #elseif arch(arm64)
            "native-linux-aarch64"
        #else
            "native-linux-unknown"
        #endif
    }

    /// Whether bubblewrap, without which native apps do not run, is installed on this machine.
    public static var nativeSandboxInstalled: Bool { Bubblewrap.locate() != nil }

    public init(
        cpuFraction: Double = 0.5, diskBytes: UInt64 = 10 << 30, memoryBytes: UInt64 = 2 << 30, allowsNative: Bool = true
    ) {
        self.cpuFraction = cpuFraction
        self.diskBytes = diskBytes
        self.memoryBytes = memoryBytes
        self.allowsNative = allowsNative
    }

    /// Reads caps saved before ``allowsNative`` existed as allowing native apps, as they did.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cpuFraction = try container.decode(Double.self, forKey: .cpuFraction)
        diskBytes = try container.decode(UInt64.self, forKey: .diskBytes)
        memoryBytes = try container.decode(UInt64.self, forKey: .memoryBytes)
        allowsNative = try container.decodeIfPresent(Bool.self, forKey: .allowsNative) ?? true
    }

    /// How many tasks run at once on `cores` cores: the allowed cores, rounded up, at least one.
    public func concurrency(cores: Int) -> Int {
        max(1, Int((cpuFraction * Double(cores)).rounded(.up)))
    }

    /// How many tasks the host holds (running plus waiting): one spare per running slot's worth.
    public func buffer(cores: Int) -> Int { concurrency(cores: cores) + 1 }

    /// The memory limit of one task: the memory cap shared by the tasks that run at once.
    public func memoryPerTask(cores: Int) -> UInt64 { memoryBytes / UInt64(concurrency(cores: cores)) }

    /// The disk limit of one task: the disk cap shared by every task the host holds.
    public func diskPerTask(cores: Int) -> UInt64 { diskBytes / UInt64(buffer(cores: cores)) }

    /// The platforms to ask work for: `wasm`, and this machine's native platform when native apps are
    /// allowed and `nativeSandbox` (bubblewrap) is there to run them.
    public func platforms(nativeSandbox: Bool) -> [String] {
        allowsNative && nativeSandbox ? ["wasm", Self.nativePlatform] : ["wasm"]
    }

    /// One line for people: `CPU 50%, disk 10 GiB, memory 2 GiB` (and `, native apps refused`).
    public var summary: String {
        "CPU \(Int((cpuFraction * 100).rounded()))%, disk \(CapParser.format(bytes: diskBytes)), memory \(CapParser.format(bytes: memoryBytes))"
            + (allowsNative ? "" : ", native apps refused")
    }
}
