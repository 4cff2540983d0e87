import ArgumentParser
import BorgDonor

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue suspended tasks and fetch work again.")

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        try Pausing.set(false, in: data.directory)
        print("resumed")
    }
}
