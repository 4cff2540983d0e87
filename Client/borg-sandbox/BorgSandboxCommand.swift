import ArgumentParser

/// `borg-sandbox`: runs one task of a Borg project in a sandbox and reports how it went.
@main
struct BorgSandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "borg-sandbox",
        abstract: "Run one Borg task (a WebAssembly or native app) in its task directory, under limits.",
        subcommands: [RunCommand.self, ExecNativeCommand.self]
    )
}
