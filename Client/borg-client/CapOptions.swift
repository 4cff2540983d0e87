import ArgumentParser
import BorgDonor

/// The cap flags of `enroll` and `config`.
struct CapOptions: ParsableArguments {
    @Option(help: "Share of the whole machine tasks may use, 1%–100% (enroll default 50%).")
    var cpu: String?

    @Option(help: "Most disk the client's task files may use, e.g. 10GiB (enroll default 10GiB).")
    var disk: String?

    @Option(help: "Most memory running tasks may use together, e.g. 2GiB (enroll default 2GiB).")
    var memory: String?

    @Flag(inversion: .prefixedNo, help: "Allow native apps (each in a bubblewrap sandbox), or refuse them and run WebAssembly apps only (enroll default: allowed).")
    var native: Bool?

    /// Whether any cap flag was given.
    var isEmpty: Bool { cpu == nil && disk == nil && memory == nil && native == nil }

    /// `caps` with the given flags applied; errors name the flag.
    func applied(to caps: DonorCaps) throws(DonorError) -> DonorCaps {
        var caps = caps
        if let cpu { caps.cpuFraction = try CapParser.cpuFraction(cpu) }
        if let disk { caps.diskBytes = try CapParser.bytes(disk, flag: "--disk") }
        if let memory { caps.memoryBytes = try CapParser.bytes(memory, flag: "--memory") }
        if let native { caps.allowsNative = native }
        return caps
    }
}
