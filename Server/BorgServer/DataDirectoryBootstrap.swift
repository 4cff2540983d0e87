import BorgStore
import Foundation

/// First start of a coordinator: an admin key and (when the grid has none yet) a first donor with its
/// enrollment token, written into the data directory (mode 0600) so the operator can find them. A
/// coordinator joining a grid gets its own admin key for the grid.
public struct DataDirectoryBootstrap: Sendable {
    public let adminKeyFile: URL
    public let enrollmentTokenFile: URL
    /// Whether this start created the admin key.
    public let created: Bool
    /// Whether this start created the donor 'default' (and its token file).
    public let createdFirstDonor: Bool

    /// Creates the admin key and first donor if the data directory has none yet.
    public static func run(store: Store, now: Double) async throws -> DataDirectoryBootstrap {
        let adminFile = store.directory.appendingPathComponent("admin.key")
        let tokenFile = store.directory.appendingPathComponent("enrollment-token")
        guard !FileManager.default.fileExists(atPath: adminFile.path) else {
            return DataDirectoryBootstrap(adminKeyFile: adminFile, enrollmentTokenFile: tokenFile, created: false,
                                          createdFirstDonor: false)
        }
        let (key, token) = try await store.write { q in
            let key = try q.createAPIKey(projectID: nil, now: now)
            let token = try q.donor(name: "default") == nil ? try q.createDonor(name: "default", now: now).token : nil
            return (key, token)
        }
        try writeSecret(key, to: adminFile)
        if let token { try writeSecret(token, to: tokenFile) }
        return DataDirectoryBootstrap(adminKeyFile: adminFile, enrollmentTokenFile: tokenFile, created: true,
                                      createdFirstDonor: token != nil)
    }

    static func writeSecret(_ secret: String, to url: URL) throws {
        try writeBytes(Data((secret + "\n").utf8), to: url)
    }

    /// Writes a file only this user may read, from the moment it exists.
    static func writeBytes(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: data)
    }
}
