import CDqlite
import Foundation
import Synchronization

/// An embedded dqlite node (server): Raft member and SQL engine running on its own
/// threads inside this process.
///
/// The node with ID 1 bootstraps a new single-node cluster the first time it starts
/// on an empty data directory; any other node starts idle until a client adds it to
/// the cluster (`DqliteClient.add(id:address:)` + `assign(id:role:)`).
public final class DqliteNode: @unchecked Sendable {
    /// The Raft node ID (never 0; unique in the cluster; the same on every restart).
    public let id: UInt64
    /// The `host:port` the node listens on and advertises to its peers.
    public let address: String
    /// Where the node keeps its Raft log and snapshots.
    public let dataDirectory: URL

    private enum State { case created, running, stopped }

    /// Serialises this node's own calls (start/stop may come from any thread).
    private let lock = NSLock()
    private var handle: OpaquePointer?
    private var state = State.created

    /// Creates the node and binds its listening socket; `start()` runs it.
    ///
    /// - Parameters:
    ///   - address: `host:port` to listen on and to advertise (a numeric IPv4 address
    ///     such as `127.0.0.1:9001` is safest; dqlite resolves it with `uv_ip4_addr`).
    ///   - dataDirectory: created if missing.
    ///   - networkLatencyMs: expected one-way latency; dqlite derives the heartbeat
    ///     (1.5 ×) and election timeout (15 ×) from it. `nil` keeps dqlite's defaults
    ///     (heartbeat 500 ms, election 3 s), which makes failover take several seconds.
    public init(id: UInt64, address: String, dataDirectory: URL, networkLatencyMs: UInt? = 50) throws {
        guard id != 0 else { throw DqliteError.invalidArgument("node ID 0 is reserved") }
        self.id = id
        self.address = address
        self.dataDirectory = dataDirectory
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw DqliteError.node(code: -1, message: "cannot create data directory \(dataDirectory.path): \(error)")
        }
        // dqlite_node_create numbers its SQLite VFS with an unsynchronised global
        // counter and registers it globally: never create or destroy nodes concurrently.
        let node: OpaquePointer = try DqliteNode.registry.withLock { _ in
            var node: OpaquePointer?
            let rc = dqlite_node_create(id, address, dataDirectory.path, &node)
            guard rc == 0, let node else {
                if let node { dqlite_node_destroy(node) }
                throw DqliteError.node(code: rc, message: "dqlite_node_create(\(id), \(address)) failed")
            }
            return node
        }
        handle = node
        do {
            try check(dqlite_node_set_bind_address(node, address), "dqlite_node_set_bind_address(\(address))")
            try check(dqlite_node_set_connect_func(node, DqliteNode.connectToPeer, nil), "dqlite_node_set_connect_func")
            try check(dqlite_node_set_snapshot_params(node, Self.snapshotThreshold, Self.snapshotTrailing),
                      "dqlite_node_set_snapshot_params")
            if let latency = networkLatencyMs {
                guard latency > 0, latency <= 3_600_000 else {
                    throw DqliteError.invalidArgument("network latency must be 1...3600000 ms, got \(latency)")
                }
                try check(dqlite_node_set_network_latency_ms(node, UInt32(latency)),
                          "dqlite_node_set_network_latency_ms(\(latency))")
            }
        } catch {
            destroy()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Raft log entries between snapshots. Under load each entry is a group-committed transaction of a few
    /// hundred KB of pages, so dqlite's defaults (a snapshot every 1024 entries, 8192 kept after it) held
    /// gigabytes per coordinator in memory and on disk; these keep the log to a few hundred entries.
    static let snapshotThreshold: UInt32 = 128
    /// Raft log entries kept after a snapshot; a follower further behind gets the snapshot instead.
    static let snapshotTrailing: UInt32 = 128

    /// Starts the node's threads: bootstraps (node 1 on an empty directory), starts Raft
    /// and accepts client connections. SIGPIPE is ignored process-wide first: dqlite
    /// writes to sockets without MSG_NOSIGNAL, so a peer dying would otherwise kill
    /// this process.
    public func start() throws {
        try lock.withLock {
            guard state == .created, let node = handle else {
                throw DqliteError.invalidArgument("node \(id) can only be started once")
            }
            _ = DqliteNode.ignoreSIGPIPE
            try check(dqlite_node_start(node), "dqlite_node_start")
            state = .running
        }
    }

    /// Stops the node (waits for its threads; its client connections are closed) and
    /// frees it. Safe to call more than once.
    public func stop() {
        lock.withLock {
            guard let node = handle else { return }
            if state == .running {
                _ = dqlite_node_stop(node)
            }
            state = .stopped
            destroy()
        }
    }

    private func destroy() {
        guard let node = handle else { return }
        handle = nil
        DqliteNode.registry.withLock { _ in dqlite_node_destroy(node) }
    }

    private func check(_ rc: Int32, _ call: String) throws {
        guard rc != 0 else { return }
        var message = "\(call) failed for node \(id)"
        if let node = handle, let text = dqlite_node_errmsg(node), text.pointee != 0 {
            message += ": " + String(cString: text)
        }
        throw DqliteError.node(code: rc, message: message)
    }

    /// How long a Raft connection attempt to a peer may block a libuv worker thread.
    private static let peerConnectTimeout: Double = 3

    /// Raft's outgoing connections to peers. Unlike dqlite 1.11's default (a blocking
    /// `connect` without timeout), this bounds the connect and sets TCP_NODELAY: with
    /// Nagle's algorithm on, small Raft messages waited for delayed ACKs, giving commits
    /// a ~40 ms tail.
    private static let connectToPeer: @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<Int32>?
    ) -> Int32 = { _, address, descriptor in
        guard let address, let descriptor else { return 1 }
        do {
            descriptor.pointee = try SocketStream.blockingDescriptor(
                to: String(cString: address), deadline: Deadline(after: peerConnectTimeout))
            return 0
        } catch {
            return 1
        }
    }

    /// Guards process-wide dqlite state (VFS registration) across nodes.
    private static let registry = Mutex(())

    /// Evaluated once: ignore SIGPIPE for the whole process.
    private static let ignoreSIGPIPE: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()
}
