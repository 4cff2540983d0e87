import ArgumentParser
import BorgAPIClient
import BorgProtocol
import BorgServer
import Foundation

/// `borg-server cluster status|remove`: inspect and change a replicated grid through any coordinator.
struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and change the grid's replicated coordinators.", subcommands: [Status.self, Remove.self])

    /// Where to send the request, and the secret to send.
    struct Target: ParsableArguments {
        @Option(help: "HTTP address of any coordinator of the grid, HOST:PORT.")
        var coordinator = "127.0.0.1:8080"

        @Option(help: "The grid's shared secret.")
        var clusterSecret: String?

        @Option(help: "File holding the grid's shared secret.")
        var clusterSecretFile: String?

        func validate() throws {
            guard HostPort(coordinator) != nil else {
                throw ValidationError("--coordinator must be HOST:PORT, got '\(coordinator)'")
            }
            guard (clusterSecret == nil) != (clusterSecretFile == nil) else {
                throw ValidationError("give exactly one of --cluster-secret or --cluster-secret-file")
            }
        }

        var client: CoordinatorClient {
            get throws {
                var secret = clusterSecret
                if let clusterSecretFile {
                    guard let text = try? String(contentsOfFile: clusterSecretFile, encoding: .utf8) else {
                        throw ValidationError("--cluster-secret-file: cannot read '\(clusterSecretFile)'")
                    }
                    secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return CoordinatorClient(coordinators: ["http://\(coordinator)"], credential: secret, timeout: .seconds(30))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the coordinators: node, role, leader, when each last announced itself, URL.")

        @OptionGroup var target: Target

        func run() async throws {
            let status = try await target.client.call(.GET, "/v1/cluster", as: ClusterStatus.self)
            print("node                  role     leader  seen      dqlite address         API URL")
            for member in status.members {
                let id = String(member.nodeID).padding(toLength: 21, withPad: " ", startingAt: 0)
                let role = member.role.padding(toLength: 8, withPad: " ", startingAt: 0)
                let leader = (member.isLeader ? "yes" : "").padding(toLength: 7, withPad: " ", startingAt: 0)
                let seen = (member.secondsSinceSeen.map { String(format: "%.1fs ago", $0) } ?? "never")
                    .padding(toLength: 9, withPad: " ", startingAt: 0)
                let address = member.address.padding(toLength: 22, withPad: " ", startingAt: 0)
                print("\(id) \(role) \(leader) \(seen) \(address) \(member.url ?? "-")")
            }
            if status.leader == nil { print("no leader: the grid has no quorum") }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a coordinator's node from the grid.")

        @OptionGroup var target: Target

        @Argument(help: "The node ID to remove (see 'borg-server cluster status').")
        var id: UInt64

        func run() async throws {
            let (status, body) = try await target.client.raw(
                .POST, "/v1/cluster/remove", body: try JSONEncoder().encode(ClusterRemoveRequest(nodeID: id)))
            guard status < 300 else {
                let reason = (try? JSONDecoder().decode(APIErrorBody.self, from: body))?.error ?? "HTTP \(status)"
                throw ValidationError("cannot remove node \(id): \(reason)")
            }
            print("Removed node \(id) from the grid.")
        }
    }
}
