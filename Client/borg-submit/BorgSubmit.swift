import ArgumentParser
import BorgAPIClient
import Foundation

/// `borg-submit`: the scientist's tool: define projects, submit batches, watch them, collect results.
@main
struct BorgSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "borg-submit",
        abstract: "Submit work to a Borg grid and collect the results.",
        subcommands: [ProjectCommand.self, BatchCommand.self, DonorCommand.self, KeysCommand.self, TeamCommand.self])
}

/// Where the coordinator is and which key to use; shared by every subcommand.
struct ClientOptions: ParsableArguments {
    @Option(help: "Coordinator URL; repeat or separate with commas for fail-over (env BORG_COORDINATOR).")
    var coordinator: [String] = []

    @Option(name: .customLong("api-key"), help: "API key: admin or project submitter key (env BORG_API_KEY).")
    var apiKey: String?

    @Option(name: .customLong("api-key-file"), help: "Read the API key from this file, e.g. the coordinator's admin.key.")
    var apiKeyFile: String?

    /// A client for the chosen coordinators and key; errors name the flag to fix.
    func client() throws -> CoordinatorClient {
        let environment = ProcessInfo.processInfo.environment
        var urls = coordinator.flatMap { $0.split(separator: ",").map(String.init) }
        if urls.isEmpty { urls = (environment["BORG_COORDINATOR"] ?? "http://127.0.0.1:8080").split(separator: ",").map(String.init) }
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("--coordinator must be an http:// or https:// URL, got '\(url)'")
        }
        var key = apiKey ?? environment["BORG_API_KEY"]
        if let file = apiKeyFile ?? environment["BORG_API_KEY_FILE"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("--api-key-file: cannot read '\(file)'")
            }
            key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return CoordinatorClient(coordinators: urls, credential: key)
    }
}

/// A failure the user can fix; the message says how.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
