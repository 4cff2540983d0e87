import ArgumentParser
import BorgServer
import Foundation

/// `borg-server key list|revoke`: the grid's API keys (the admin's and the submitters').
struct Key: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List and revoke API keys.", subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys: id, scope, creation time (keys are stored hashed).")

        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let keys = try await DataDirectoryStore.read(data.url) { q in try q.apiKeys() }
            print("id    scope                     created")
            for key in keys {
                let scope = key.project.map { "project \($0)" } ?? "admin"
                let created = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: key.createdAt))
                print("\(String(key.id).padding(toLength: 5, withPad: " ", startingAt: 0)) \(scope.padding(toLength: 25, withPad: " ", startingAt: 0)) \(created)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key; every coordinator refuses it within seconds.")

        @OptionGroup var data: DataDirectoryOptions

        @Argument(help: "The key's id (see 'borg-server key list').")
        var id: Int64

        func run() async throws {
            let id = self.id
            guard try await DataDirectoryStore.write(data.url, { q in try q.revokeAPIKey(id: id) }) else {
                throw ValidationError("no API key \(id); see 'borg-server key list'")
            }
            print("Revoked API key \(id).")
        }
    }
}
