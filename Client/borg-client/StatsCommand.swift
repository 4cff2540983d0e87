import ArgumentParser
import BorgDonor
import BorgProtocol

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show credit, RAC, tasks, CPU hours and rank (local view when offline).")

    @OptionGroup var data: DataDirectoryOption

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let directory = data.directory
        let configuration = try DonorConfiguration.load(from: directory)
        let contribution = await Contribution.gather(
            configuration: configuration, directory: directory, state: try DonorState.load(from: directory))
        if json { return print(try WireJSON.pretty(contribution)) }
        print(contribution.text)
    }
}
