import ArgumentParser
import BorgDonor

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show or change the caps; a running client picks changes up at once.")

    @OptionGroup var caps: CapOptions

    @OptionGroup var storage: StorageOptions

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let directory = data.directory
        var configuration = try DonorConfiguration.load(from: directory)
        if !caps.isEmpty || !storage.isEmpty {
            configuration.caps = try caps.applied(to: configuration.caps)
            configuration.storage = try storage.applied(to: configuration.storage)
            try configuration.save(to: directory)
        }
        let lent = configuration.storage.map { "; storage \(CapParser.format(bytes: $0.capacityBytes)) on \($0.listen)" } ?? ""
        print("caps: \(configuration.caps.summary)\(lent)\(configuration.paused ? "; PAUSED" : "")")
    }
}
