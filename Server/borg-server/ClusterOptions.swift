import ArgumentParser
import BorgServer
import Foundation

/// `serve` options that make the coordinator one of a replicated grid.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Replicate the store with other coordinators: this coordinator's cluster link address (mutual TLS to its dqlite node), HOST:PORT.")
    var clusterListen: String?

    @Option(help: "On first start, join the grid through this running coordinator's cluster address (its --cluster-listen), HOST:PORT; the request travels over the encrypted cluster link.")
    var join: String?

    @Option(help: "The grid's shared secret (peers refuse cluster calls without it; the cluster link's TLS key derives from it).")
    var clusterSecret: String?

    @Option(help: "File holding the grid's shared secret.")
    var clusterSecretFile: String?

    @Option(help: "dqlite node ID on first start (default: 1 when starting a grid, random when joining).")
    var nodeID: UInt64?

    @Option(help: "Most voting coordinators (3 survives 1 failure, 5 survives 2); others join as standbys.")
    var maxVoters = 3

    @Option(name: .customLong("voter-grace"), help: ArgumentHelp(
        "Seconds a voting coordinator may stay silent before the leader gives its vote to a live standby.", valueName: "seconds"))
    var voterGrace: Double = 60

    func validate() throws {
        guard let clusterListen else {
            for (flag, given) in [("--join", join != nil), ("--cluster-secret", clusterSecret != nil),
                                  ("--cluster-secret-file", clusterSecretFile != nil), ("--node-id", nodeID != nil)] where given {
                throw ValidationError("\(flag) needs --cluster-listen HOST:PORT")
            }
            return
        }
        guard let address = HostPort(clusterListen), address.port != 0 else {
            throw ValidationError("--cluster-listen must be HOST:PORT with a fixed port (1-65535), got '\(clusterListen)'")
        }
        if let join, HostPort(join) == nil {
            throw ValidationError("--join must be HOST:PORT, the cluster address of a running coordinator, got '\(join)'")
        }
        guard (clusterSecret == nil) != (clusterSecretFile == nil) else {
            throw ValidationError("a replicated coordinator needs exactly one of --cluster-secret or --cluster-secret-file")
        }
        guard nodeID != 0 else { throw ValidationError("--node-id must not be 0") }
        guard (1...7).contains(maxVoters) else { throw ValidationError("--max-voters must be 1 to 7, got \(maxVoters)") }
        guard voterGrace.isFinite, (1...86_400).contains(voterGrace) else {
            throw ValidationError("--voter-grace must be 1 to 86400 seconds, got \(voterGrace)")
        }
    }

    /// The cluster settings, or `nil` for a single coordinator on embedded SQLite.
    func configuration() throws -> ClusterConfiguration? {
        guard let clusterListen else { return nil }
        return ClusterConfiguration(address: clusterListen, join: join, secret: try secret(), nodeID: nodeID, maxVoters: maxVoters,
                                    voterGrace: voterGrace)
    }

    /// The secret from --cluster-secret or --cluster-secret-file.
    func secret() throws -> String {
        if let clusterSecret { return clusterSecret }
        guard let clusterSecretFile else { throw ValidationError("give --cluster-secret or --cluster-secret-file") }
        guard let text = try? String(contentsOfFile: clusterSecretFile, encoding: .utf8) else {
            throw ValidationError("--cluster-secret-file: cannot read '\(clusterSecretFile)'")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ValidationError("--cluster-secret-file: '\(clusterSecretFile)' is empty") }
        return secret
    }
}
