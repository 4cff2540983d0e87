import ArgumentParser
import BorgAPIClient
import BorgDonor
import Foundation

/// `borg-client`: the donor's side of the grid: enroll this machine, run its tasks under the
/// donor's caps, show what it contributed, and leave cleanly.
@main
struct BorgClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "borg-client",
        abstract: "Donate this machine's spare CPU to a Borg grid.",
        subcommands: [
            EnrollCommand.self, RunCommand.self, StatusCommand.self, StatsCommand.self, ConfigCommand.self,
            PauseCommand.self, ResumeCommand.self, UnenrollCommand.self, FilesCommand.self, SpaceCommand.self, TeamCommand.self,
        ])
}

/// The data directory option every subcommand shares.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The client's data directory (env BORG_CLIENT_DIR; default /var/lib/borg for root, else ~/.local/share/borg/client).")
    var dataDir: String?

    var directory: DataDirectory { DataDirectory.resolve(dataDir) }
}
