import BorgCluster
import Foundation

/// One embedded dqlite node on a free loopback port, with its data in a temporary directory: a
/// single-node cluster for running the store suite on the dqlite backend, in dqlite's own plain TCP
/// (the suite's backends use the default dialer; the TLS link is tested in BorgClusterTests).
final class DqliteTestNode {
    private(set) var node: DqliteNode
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("borg-dqlite-\(UUID().uuidString.prefix(8))")
        node = try Self.node(in: directory)
        try node.start()
    }

    /// Node 1 bound to a free port below Linux's ephemeral range (32768–60999): while the node is stopped for a
    /// restart, no outgoing connection or port-0 listener of a test running in parallel can take its port.
    private static func node(in directory: URL) throws -> DqliteNode {
        var attempts = 1
        while true {
            do {
                return try DqliteNode(id: 1, address: "127.0.0.1:\(UInt16.random(in: 20_000..<32_000))", dataDirectory: directory,
                                      transport: .plainTCP)
            } catch DqliteError.node(_, _) where attempts < 20 {
                attempts += 1  // the port is taken: try another
            }
        }
    }

    var address: String { node.address }

    /// Stops the node and starts it again on the same address and data directory, as a restarted
    /// coordinator does: its database is rebuilt from the Raft log and snapshots on disk.
    /// The port can stay busy for a moment after the stop, until this process's last connection to the old
    /// node has closed, so binding it again is retried for up to five seconds.
    func restart() throws {
        node.stop()
        let deadline = Date().addingTimeInterval(5)
        while true {
            do {
                node = try DqliteNode(id: node.id, address: node.address, dataDirectory: directory, transport: .plainTCP)
                break
            } catch DqliteError.node(_, _) where Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        try node.start()
    }

    func stop() {
        node.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
