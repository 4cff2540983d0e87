import BorgCluster
import Foundation

/// One embedded dqlite node on a free loopback port, with its data in a temporary directory: a
/// single-node cluster for running the store suite on the dqlite backend.
final class DqliteTestNode {
    let node: DqliteNode
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("borg-dqlite-\(UUID().uuidString.prefix(8))")
        node = try DqliteNode(id: 1, address: "127.0.0.1:\(try FreePort.loopback())", dataDirectory: directory)
        try node.start()
    }

    var address: String { node.address }

    func stop() {
        node.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
