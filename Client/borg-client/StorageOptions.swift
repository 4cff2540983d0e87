import ArgumentParser
import BorgDonor

/// The storage donation flags of `enroll` and `config`.
struct StorageOptions: ParsableArguments {
    @Option(help: "Lend this much disk to the grid's storage, e.g. 20GiB; 0 stops donating storage.")
    var storage: String?

    @Option(name: .customLong("storage-listen"), help: "HOST:PORT the piece server listens on (default 0.0.0.0:7878).")
    var listen: String?

    @Option(name: .customLong("storage-advertise"), help: "URL others reach the piece server at (default http://LISTEN).")
    var advertise: String?

    var isEmpty: Bool { storage == nil && listen == nil && advertise == nil }

    /// `donation` with the given flags applied; errors name the flag.
    func applied(to donation: StorageDonation?) throws(DonorError) -> StorageDonation? {
        var donation = donation
        if let storage {
            if storage == "0" { return nil }
            let bytes = try CapParser.bytes(storage, flag: "--storage")
            if donation == nil { donation = StorageDonation(capacityBytes: bytes) }
            donation?.capacityBytes = bytes
        }
        guard var donation else {
            if listen != nil || advertise != nil { throw DonorError("--storage-listen and --storage-advertise need --storage SIZE") }
            return nil
        }
        if let listen { donation.listen = listen }
        if let advertise {
            guard advertise.hasPrefix("http://") || advertise.hasPrefix("https://") else {
                throw DonorError("--storage-advertise must be a URL starting with http://, got '\(advertise)'")
            }
            donation.advertise = advertise
        }
        _ = try donation.listenAddress()
        return donation
    }
}
