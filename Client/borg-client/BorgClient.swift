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
            PauseCommand.self, ResumeCommand.self, UnenrollCommand.self,
        ])
}

/// The data directory option every subcommand shares.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The client's data directory (env BORG_CLIENT_DIR; default /var/lib/borg for root, else ~/.local/share/borg/client).")
    var dataDir: String?

    var directory: DataDirectory { DataDirectory.resolve(dataDir) }
}

/// Runs `body`, turning failures the user can fix into `error: …` on stderr and exit code 1.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as DonorError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as APIClientError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Prints `value` as pretty JSON.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
