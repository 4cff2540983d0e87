import Foundation

/// How clients and a node's Raft transport reach a dqlite node by its address: a dialer returns a connected
/// stream socket that carries dqlite's protocol, whatever carries the bytes beyond it.
public protocol DqliteDialer: Sendable {
    /// A connected stream socket (TCP or Unix) to the node at `address` (`host:port`), owned by the caller.
    /// Blocks for at most `timeout` seconds; throws `DqliteError.disconnected` or `.timeout`.
    func connect(to address: String, timeout: TimeInterval) throws -> Int32
}
