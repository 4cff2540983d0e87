import BorgCore
import Foundation

/// A project's manifest file: name, app versions (files relative to the manifest) and policy.
struct ProjectManifest: Decodable {
    struct AppVersion: Decodable {
        var platform: String
        var file: String
        /// Base64 Ed25519 signature of the file's SHA-256; empty if unsigned.
        var signature: String?
    }

    var name: String
    var description: String?
    var appVersions: [AppVersion]
    var policy: ProjectPolicy?
    var publicKey: String?

    /// Reads and checks a manifest; errors name the file and the problem.
    static func load(_ path: String) throws -> ProjectManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("--manifest: cannot read '\(path)'")
        }
        let manifest: ProjectManifest
        do {
            manifest = try JSONDecoder().decode(ProjectManifest.self, from: data)
        } catch {
            throw CLIError("--manifest: '\(path)' is not a valid project manifest: \(error)")
        }
        do { try (manifest.policy ?? ProjectPolicy()).validate() } catch {
            throw CLIError("--manifest: '\(path)': \(error.reason)")
        }
        return manifest
    }
}
