/// What the donor allows the grid to use on this machine.
public struct DonorCaps: Codable, Sendable, Equatable {
    /// Share of the whole machine (all cores together) that tasks may use, in (0, 1].
    public var cpuFraction: Double
    /// The most the task directories and cached apps may hold together.
    public var diskBytes: UInt64
    /// The most memory the running tasks may use together.
    public var memoryBytes: UInt64

    public init(cpuFraction: Double = 0.5, diskBytes: UInt64 = 10 << 30, memoryBytes: UInt64 = 2 << 30) {
        self.cpuFraction = cpuFraction
        self.diskBytes = diskBytes
        self.memoryBytes = memoryBytes
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

    /// One line for people: `CPU 50%, disk 10 GiB, memory 2 GiB`.
    public var summary: String {
        "CPU \(Int((cpuFraction * 100).rounded()))%, disk \(CapParser.format(bytes: diskBytes)), memory \(CapParser.format(bytes: memoryBytes))"
    }
}
