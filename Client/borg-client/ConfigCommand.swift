import ArgumentParser
import BorgDonor

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show or change the caps; a running client picks changes up at once.")

    @OptionGroup var caps: CapOptions

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let directory = data.directory
        var configuration = try DonorConfiguration.load(from: directory)
        if !caps.isEmpty {
            configuration.caps = try caps.applied(to: configuration.caps)
            try configuration.save(to: directory)
        }
        print("caps: \(configuration.caps.summary)\(configuration.paused ? "; PAUSED" : "")")
    }
}
