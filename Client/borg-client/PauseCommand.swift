import ArgumentParser
import BorgDonor

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Suspend running tasks and stop fetching work until 'resume'.")

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        try Pausing.set(true, in: data.directory)
        print("paused")
    }
}
