import ArgumentParser
import BorgProtocol

/// `borg-client team join NAME` / `team leave`: the donor of this machine joins or leaves a team (a donor is
/// in at most one; its credit counts for the team it is in).
struct TeamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team", abstract: "Join or leave a team (teams are listed on the dashboard's /teams page).",
        subcommands: [Join.self, Leave.self])

    struct Join: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Join the team of this name (leaving the one you are in).")

        @Argument(help: "The team's name.")
        var name: String

        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let host = try EnrolledHost(data)
            let membership = try await host.client.joinTeam(host: host.configuration.hostID, name: name)
            print("you are in team '\(membership.team ?? name)'")
        }
    }

    struct Leave: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Leave your team.")

        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let host = try EnrolledHost(data)
            _ = try await host.client.leaveTeam(host: host.configuration.hostID)
            print("you are in no team")
        }
    }
}
