import BorgCore
import Foundation

/// The host's identity and the donor's choices, kept in `config.json` in the data directory.
/// Only the CLI writes it; the running daemon rereads it when it changes.
public struct DonorConfiguration: Codable, Sendable, Equatable {
    public var coordinators: [String]
    public var hostID: HostID
    public var donorID: DonorID
    public var donorName: String
    /// The bearer secret the coordinator gave this host at enrollment.
    public var hostSecret: String
    /// The host's name on the grid.
    public var name: String
    public var caps: DonorCaps
    /// Paused: running tasks are stopped (SIGSTOP) and no work is fetched.
    public var paused: Bool
    /// The disk lent to the grid's storage; nil when the host donates CPU only.
    public var storage: StorageDonation?

    public init(
        coordinators: [String], hostID: HostID, donorID: DonorID, donorName: String, hostSecret: String,
        name: String, caps: DonorCaps, paused: Bool = false, storage: StorageDonation? = nil
    ) {
        self.storage = storage
        self.coordinators = coordinators
        self.hostID = hostID
        self.donorID = donorID
        self.donorName = donorName
        self.hostSecret = hostSecret
        self.name = name
        self.caps = caps
        self.paused = paused
    }

    /// Loads the configuration of `directory`; throws if the host is not enrolled there.
    public static func load(from directory: DataDirectory) throws -> DonorConfiguration {
        guard let configuration = try AtomicFile.readJSON(DonorConfiguration.self, from: directory.configuration) else {
            throw DonorError("no host is enrolled in '\(directory.root.path)'; run 'borg-client enroll URL --token TOKEN' first (or pass --data-dir)")
        }
        return configuration
    }

    /// Saves the configuration atomically.
    public func save(to directory: DataDirectory) throws {
        try AtomicFile.writeJSON(self, to: directory.configuration)
    }
}
