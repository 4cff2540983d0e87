import BorgCluster
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Real dqlite nodes on loopback ports, with their data in a temporary directory
/// that `shutdown()` removes after stopping every node. Every node sits behind the
/// TLS cluster link (as in `borg-server`), and the tests' clients reach them as another
/// process would: through their gateways, with the cluster's credentials (`dialer`).
final class TestCluster {
    /// The credentials of every test cluster (derived once: derivation is slow on purpose).
    static let credentials = try! ClusterCredentials(secret: "borg cluster tests")
    /// How the tests' clients reach the nodes: over TLS, with the cluster's credentials.
    let dialer = try! TLSDialer(credentials: TestCluster.credentials)
    let directory: URL
    private(set) var nodes: [UInt64: DqliteNode] = [:]
    private(set) var addresses: [UInt64: String] = [:]

    /// Starts nodes 1...size; node 1 bootstraps, the others join as voters.
    init(size: Int, latencyMs: UInt = 50) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("borgcluster-test-\(UUID().uuidString)")
        do {
            for id in 1...UInt64(size) {
                let address = "127.0.0.1:\(try TestCluster.freePort())"
                let node = try DqliteNode(id: id, address: address,
                                          dataDirectory: directory.appendingPathComponent("node\(id)"),
                                          networkLatencyMs: latencyMs, transport: .tls(TestCluster.credentials))
                nodes[id] = node
                addresses[id] = address
                try node.start()
            }
            let client = DqliteClient(seeds: [address(1)], database: "formation", timeout: 10, dialer: dialer)
            defer { client.close() }
            _ = try client.leader()  // node 1 has elected itself
            for id in UInt64(2)..<UInt64(size + 1) {
                try client.add(id: id, address: address(id))
                try client.assign(id: id, role: .voter)
            }
            try waitUntilEveryNodeKnowsTheLeader()
        } catch {
            shutdown()
            throw error
        }
    }

    /// A node learns the configuration (and so that it is a voter, which it must be
    /// to answer LEADER) only when it applies the entry, a moment after ASSIGN returns.
    private func waitUntilEveryNodeKnowsTheLeader() throws {
        let deadline = ContinuousClock.now + .seconds(10)
        for address in allAddresses {
            while true {
                let probe = try DqliteConnection(address: address, timeout: 5, dialer: dialer)
                defer { probe.close() }
                if try probe.leader() != nil { break }
                guard ContinuousClock.now < deadline else {
                    throw DqliteError.noLeader("\(address) still knows no leader")
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    func address(_ id: UInt64) -> String { addresses[id]! }

    var allAddresses: [String] { addresses.keys.sorted().map { addresses[$0]! } }

    /// Stops node `id` (as a crash would look to its peers: its sockets close).
    func stop(_ id: UInt64) {
        nodes[id]?.stop()
    }

    func shutdown() {
        for node in nodes.values {
            node.stop()
        }
        nodes = [:]
        try? FileManager.default.removeItem(at: directory)
    }

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> UInt16 { try FreePort.loopback() }
}
