import ArgumentParser
import BorgAPIClient
import BorgProtocol

/// `borg-submit team create|list`: teams donors can join (any API key may create one).
struct TeamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team", abstract: "Create and list teams.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a team donors can join with 'borg-client team join NAME'.")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The team's name.")
        var name: String

        @Option(help: "What the team is about.")
        var description: String?

        @Option(help: "The name of the donor who founds it.")
        var founder: String?

        func run() async throws {
            let team = try await options.client().createTeam(CreateTeamRequest(name: name, description: description, founder: founder))
            print("Team '\(team.name)' created (id \(team.teamID))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List teams by total credit.")

        @OptionGroup var options: ClientOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let teams = try await options.client().teamStats()
            if json { return print(try WireJSON.pretty(teams)) }
            for team in teams {
                print("\(team.rank)\t\(team.name)\t\(team.members) member(s)\tcredit \(team.totalCredit)\tRAC \(team.rac)")
            }
        }
    }
}
