import Foundation

/// Notices a changed `config.json` (by its modification time), which is how `borg-client config`, `pause`
/// and `resume` reach a running daemon.
struct ConfigurationWatcher {
    private let directory: DataDirectory
    private var stamp: Date?

    /// Watches `directory`'s configuration from its current version on.
    init(directory: DataDirectory) {
        self.directory = directory
        stamp = Self.modificationDate(directory.configuration)
    }

    /// The configuration, reloaded, when the file changed since the last look and loads; else `nil`.
    mutating func changedConfiguration() -> DonorConfiguration? {
        let current = Self.modificationDate(directory.configuration)
        guard current != stamp, let updated = try? DonorConfiguration.load(from: directory) else { return nil }
        stamp = current
        return updated
    }

    private static func modificationDate(_ url: URL) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
    }
}
