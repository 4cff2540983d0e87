import BorgCluster
import Foundation

/// One embedded dqlite node on a free loopback port, with its data in a temporary directory: a
/// single-node cluster for running the store suite on the dqlite backend.
final class DqliteTestNode {
    private(set) var node: DqliteNode
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("borg-dqlite-\(UUID().uuidString.prefix(8))")
        node = try DqliteNode(id: 1, address: "127.0.0.1:\(try FreePort.loopback())", dataDirectory: directory)
        try node.start()
    }

    var address: String { node.address }

    /// Stops the node and starts it again on the same address and data directory, as a restarted
    /// coordinator does: its database is rebuilt from the Raft log and snapshots on disk.
    func restart() throws {
        node.stop()
        node = try DqliteNode(id: node.id, address: node.address, dataDirectory: directory)
        try node.start()
    }

    func stop() {
        node.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
