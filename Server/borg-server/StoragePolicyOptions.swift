import ArgumentParser
import BorgEngine

/// The storage timings `serve` runs with; `storage status` takes the same, to judge hosts as the server does.
struct StoragePolicyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds after a storage host's last offer it counts as offline.", valueName: "seconds"))
    var storageHostTimeout = StoragePolicy().onlineWindow

    @Option(help: ArgumentHelp("Seconds a signed storage order is valid; an upload not committed within it is dropped.",
                               visibility: .hidden))
    var storageOrderLifetime = StoragePolicy().orderLifetime

    @Option(help: ArgumentHelp("Seconds a storage host may be silent (or answer no audit) before its pieces are rebuilt on other hosts.",
                               valueName: "seconds"))
    var storageRepairGrace = StoragePolicy().repairGrace

    func validate() throws {
        for (flag, value) in [("--storage-host-timeout", storageHostTimeout), ("--storage-order-lifetime", storageOrderLifetime),
                              ("--storage-repair-grace", storageRepairGrace)]
        where !(value > 0 && value <= 86_400) {
            throw ValidationError("\(flag) must be from 0 to 86400 seconds, got \(value)")
        }
    }

    /// The policy these options give.
    var policy: StoragePolicy {
        StoragePolicy(onlineWindow: storageHostTimeout, orderLifetime: storageOrderLifetime, repairGrace: storageRepairGrace)
    }
}
