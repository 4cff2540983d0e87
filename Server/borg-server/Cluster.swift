import ArgumentParser
import BorgAPIClient
import BorgCluster
import BorgProtocol
import BorgServer
import Foundation

/// `borg-server cluster status|remove`: inspect and change a replicated grid through any coordinator, over its
/// cluster link.
struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and change the grid's replicated coordinators.", subcommands: [Status.self, Remove.self])

    /// Which coordinator to ask, over the cluster link that the grid's secret opens.
    struct Target: ParsableArguments {
        @Option(help: "Cluster address of any coordinator of the grid (its --cluster-listen), HOST:PORT. The request travels over the encrypted cluster link.")
        var clusterAddress: String

        @Option(help: "The grid's shared secret.")
        var clusterSecret: String?

        @Option(help: "File holding the grid's shared secret.")
        var clusterSecretFile: String?

        func validate() throws {
            guard HostPort(clusterAddress) != nil else {
                throw ValidationError("--cluster-address must be HOST:PORT, got '\(clusterAddress)'")
            }
            guard (clusterSecret == nil) != (clusterSecretFile == nil) else {
                throw ValidationError("give exactly one of --cluster-secret or --cluster-secret-file")
            }
        }

        /// Runs `body` with a client of the coordinator at `clusterAddress`, reached through a tunnel of the
        /// cluster link (mutual TLS keyed by the secret, which then also authorizes the call).
        func withClient<T>(_ body: (CoordinatorClient) async throws -> T) async throws -> T {
            let secret = try self.secret()
            let tunnels = try ClusterHTTPTunnels(credentials: ClusterCredentials(secret: secret))
            defer { tunnels.close() }
            let client = CoordinatorClient(coordinators: [try tunnels.url(for: clusterAddress)], credential: secret, timeout: .seconds(30))
            do {
                return try await body(client)
            } catch let error as APIClientError where error.status == nil {
                throw Failure(await tunnels.linkProblem(to: clusterAddress)
                    ?? "the coordinator at \(clusterAddress) did not answer over the cluster link: try again")
            }
        }

        private func secret() throws -> String {
            guard let clusterSecretFile else { return clusterSecret ?? "" }
            guard let text = try? String(contentsOfFile: clusterSecretFile, encoding: .utf8) else {
                throw ValidationError("--cluster-secret-file: cannot read '\(clusterSecretFile)'")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A cluster call that failed, with what to check next.
    struct Failure: Error, CustomStringConvertible {
        let description: String

        init(_ description: String) { self.description = description }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the coordinators: node, role, leader, when each last announced itself, URL.")

        @OptionGroup var target: Target

        func run() async throws {
            let status = try await target.withClient { try await $0.call(.GET, "/v1/cluster", as: ClusterStatus.self) }
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
            let request = try JSONEncoder().encode(ClusterRemoveRequest(nodeID: id))
            let (status, body) = try await target.withClient { try await $0.raw(.POST, "/v1/cluster/remove", body: request) }
            guard status < 300 else {
                let reason = (try? JSONDecoder().decode(APIErrorBody.self, from: body))?.error ?? "HTTP \(status)"
                throw Failure("cannot remove node \(id): \(reason)")
            }
            print("Removed node \(id) from the grid.")
        }
    }
}
