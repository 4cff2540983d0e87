import ArgumentParser
import BorgCore
import BorgServer
import Foundation

/// `borg-server host remove ID`: takes a host off the grid (a stolen or misbehaving machine).
struct Host: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage enrolled hosts.", subcommands: [Remove.self])

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a host: its secret stops working and its tasks are reissued.")

        @OptionGroup var data: DataDirectoryOptions

        @Argument(help: "The host's id (see the coordinator's /v1/stats/hosts).")
        var id: Int64

        func run() async throws {
            let id = HostID(self.id)
            let found = try await DataDirectoryStore.write(data.url) { q -> Bool in
                guard try q.host(id) != nil else { return false }
                try q.retireHost(id)
                return true
            }
            guard found else { throw ValidationError("no host \(id)") }
            print("Removed host \(id): it can no longer ask for work or report, and its tasks are reissued.")
        }
    }
}
