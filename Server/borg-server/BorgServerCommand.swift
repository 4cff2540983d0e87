import ArgumentParser
import BorgServer
import Foundation

/// `borg-server`: runs a coordinator, and administers its data directory.
@main
struct BorgServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "borg-server",
        abstract: "A Borg coordinator: hands out work units redundantly, validates by quorum, grants credit.",
        subcommands: [Serve.self, Donor.self, Host.self, Key.self, Cluster.self, Storage.self],
        defaultSubcommand: Serve.self)
}

/// Options every subcommand that touches the data directory shares.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Coordinator data directory (default: ~/.local/share/borg/coordinator).")
    var dataDirectory: String?

    var url: URL {
        dataDirectory.map { URL(fileURLWithPath: $0) } ?? CoordinatorConfiguration.defaultDataDirectory
    }
}
