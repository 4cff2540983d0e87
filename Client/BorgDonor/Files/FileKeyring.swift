import BorgStorage
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The read-caps of the files this machine stored (`files/keyring.json`, mode 0600): the only place their
/// keys and names exist besides what the owner copied. Coordinators see sealed names only.
public struct FileKeyring: Sendable {
    /// One stored file as its owner knows it.
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        /// The read-cap's text form.
        public var cap: String
        public var size: Int64
        public var storedAt: Double

        public init(name: String, cap: String, size: Int64, storedAt: Double) {
            self.name = name
            self.cap = cap
            self.size = size
            self.storedAt = storedAt
        }
    }

    public let url: URL

    public init(_ directory: DataDirectory) {
        url = directory.root.appendingPathComponent("files/keyring.json")
    }

    public func entries() throws -> [Entry] {
        try AtomicFile.readJSON([Entry].self, from: url) ?? []
    }

    /// Adds a file; one stored earlier under the same name stays listed by its file id.
    public func add(_ entry: Entry) throws {
        try changing { $0 + [entry] }
    }

    public func remove(fileID: String) throws {
        try changing { entries in entries.filter { (try? ReadCap(parsing: $0.cap))?.fileID != fileID } }
    }

    /// Reads, changes and replaces the keyring under an exclusive lock (`files/keyring.lock`), so that two
    /// `files put` at once on one machine both keep their caps.
    private func changing(_ change: ([Entry]) throws -> [Entry]) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lockPath = directory.appendingPathComponent("keyring.lock").path
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0 else { throw DonorError("cannot open '\(lockPath)': \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw DonorError("cannot lock '\(lockPath)': \(String(cString: strerror(errno)))") }
        defer { flock(lock, LOCK_UN) }
        try AtomicFile.writeJSON(try change(try entries()), to: url)
    }

    /// The read-cap for `nameOrCap`: a cap's text itself, else the newest file stored under that name.
    public func cap(for nameOrCap: String) throws -> ReadCap {
        if nameOrCap.hasPrefix("borg-read:") {
            do { return try ReadCap(parsing: nameOrCap) } catch { throw DonorError("\(error)") }
        }
        guard let entry = try entries().last(where: { $0.name == nameOrCap }) else {
            throw DonorError("no file named '\(nameOrCap)' was stored from this machine; pass its read-cap (borg-read:…) instead, or see 'borg-client files ls'")
        }
        return try ReadCap(parsing: entry.cap)
    }

    /// The names and keys this machine knows, by file id.
    public func byFileID() throws -> [String: (name: String, cap: ReadCap)] {
        var result: [String: (name: String, cap: ReadCap)] = [:]
        for entry in try entries() {
            if let cap = try? ReadCap(parsing: entry.cap) { result[cap.fileID] = (entry.name, cap) }
        }
        return result
    }
}
