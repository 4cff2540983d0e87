import CDqlite
import Foundation
import Synchronization

/// An embedded dqlite node (server): Raft member and SQL engine running on its own
/// threads inside this process.
///
/// The node with ID 1 bootstraps a new single-node cluster the first time it starts
/// on an empty data directory; any other node starts idle until a client adds it to
/// the cluster (`DqliteClient.add(id:address:)` + `assign(id:role:)`).
///
/// With `DqliteTransport.tls` the node itself listens on an abstract Unix socket that only
/// this process can reach; its address is served by a `ClusterGateway`, and its Raft
/// connections to peers go through a `TLSDialer`.
public final class DqliteNode: @unchecked Sendable {
    /// The Raft node ID (never 0; unique in the cluster; the same on every restart).
    public let id: UInt64
    /// The `host:port` the node is reached at and advertises to its peers.
    public let address: String
    /// Where the node keeps its Raft log and snapshots.
    public let dataDirectory: URL
    /// How clients in this process reach the cluster: with TLS, this node directly on its
    /// local socket and the other members through their gateways.
    public let dialer: any DqliteDialer

    private enum State { case created, running, stopped }

    /// Serialises this node's own calls (start/stop may come from any thread).
    private let lock = NSLock()
    private var handle: OpaquePointer?
    private var state = State.created
    /// The cluster link's TLS and the node's local socket (`@name`); nil for plain TCP.
    private let gatewaySettings: (tls: ClusterTLS, localAddress: String)?
    private var gateway: ClusterGateway?
    /// Where members reach this process's HTTP API through the gateway (set once the API serves).
    public let httpEndpoint = ClusterHTTPEndpoint()
    /// libdqlite's connect function argument; lives as long as the node.
    private let raftDialer: RaftDialer

    /// Creates the node and binds its listening socket; `start()` runs it.
    ///
    /// - Parameters:
    ///   - address: `host:port` to be reached at and to advertise (a numeric IPv4 address
    ///     such as `127.0.0.1:9001` is safest; dqlite resolves it with `uv_ip4_addr`).
    ///   - dataDirectory: created if missing.
    ///   - networkLatencyMs: expected one-way latency; dqlite derives the heartbeat
    ///     (1.5 ×) and election timeout (15 ×) from it. `nil` keeps dqlite's defaults
    ///     (heartbeat 500 ms, election 3 s), which makes failover take several seconds.
    ///   - transport: the node listening on `address` in plain TCP, or a TLS gateway on
    ///     `address` in front of a node that listens inside this process only.
    public init(id: UInt64, address: String, dataDirectory: URL, networkLatencyMs: UInt? = 50,
                transport: DqliteTransport) throws {
        guard id != 0 else { throw DqliteError.invalidArgument("node ID 0 is reserved") }
        if let latency = networkLatencyMs, latency == 0 || latency > 3_600_000 {
            throw DqliteError.invalidArgument("network latency must be 1...3600000 ms, got \(latency)")
        }
        self.id = id
        self.address = address
        self.dataDirectory = dataDirectory
        let tls: ClusterTLS?
        if case let .tls(credentials) = transport { tls = try ClusterTLS(credentials) } else { tls = nil }
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
        do {
            // "@": an abstract Unix socket named by the kernel; dqlite accepts connections to it from this process only.
            let bindAddress = tls == nil ? address : "@"
            try Self.check(node, id, dqlite_node_set_bind_address(node, bindAddress),
                           "dqlite_node_set_bind_address(\(bindAddress))")
            let localAddress = String(cString: dqlite_node_get_bind_address(node))
            dialer = tls.map { TLSDialer(tls: $0, localNodes: [address: localAddress]) } ?? TCPDialer()
            gatewaySettings = tls.map { ($0, localAddress) }
            raftDialer = RaftDialer(dialer)
            try Self.check(node, id, dqlite_node_set_connect_func(node, RaftDialer.connect, Unmanaged.passUnretained(raftDialer).toOpaque()),
                           "dqlite_node_set_connect_func")
            try Self.check(node, id, dqlite_node_set_snapshot_params(node, Self.snapshotThreshold, Self.snapshotTrailing),
                           "dqlite_node_set_snapshot_params")
            if let latency = networkLatencyMs {
                try Self.check(node, id, dqlite_node_set_network_latency_ms(node, UInt32(latency)),
                               "dqlite_node_set_network_latency_ms(\(latency))")
            }
        } catch {
            DqliteNode.registry.withLock { _ in dqlite_node_destroy(node) }
            throw error
        }
        handle = node
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
    /// and accepts client connections, then (with TLS) opens the gateway on `address`.
    /// SIGPIPE is ignored process-wide first: dqlite writes to sockets without
    /// MSG_NOSIGNAL, so a peer dying would otherwise kill this process.
    public func start() throws {
        try lock.withLock {
            guard state == .created, let node = handle else {
                throw DqliteError.invalidArgument("node \(id) can only be started once")
            }
            _ = DqliteNode.ignoreSIGPIPE
            try Self.check(node, id, dqlite_node_start(node), "dqlite_node_start")
            state = .running
            if let (tls, localAddress) = gatewaySettings {
                gateway = try ClusterGateway(address: address, localAddress: localAddress, http: httpEndpoint, tls: tls)
            }
        }
    }

    /// Closes the gateway, stops the node (waits for its threads; its client connections
    /// are closed) and frees it. Safe to call more than once.
    public func stop() {
        lock.withLock {
            gateway?.close()
            gateway = nil
            guard let node = handle else { return }
            if state == .running {
                _ = dqlite_node_stop(node)
            }
            state = .stopped
            handle = nil
            DqliteNode.registry.withLock { _ in dqlite_node_destroy(node) }
        }
    }

    private static func check(_ node: OpaquePointer, _ id: UInt64, _ rc: Int32, _ call: String) throws {
        guard rc != 0 else { return }
        var message = "\(call) failed for node \(id)"
        if let text = dqlite_node_errmsg(node), text.pointee != 0 {
            message += ": " + String(cString: text)
        }
        throw DqliteError.node(code: rc, message: message)
    }

    /// Guards process-wide dqlite state (VFS registration) across nodes.
    private static let registry = Mutex(())

    /// Evaluated once: ignore SIGPIPE for the whole process.
    private static let ignoreSIGPIPE: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()
}
