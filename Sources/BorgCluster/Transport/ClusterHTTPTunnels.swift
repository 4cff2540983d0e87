import NIOCore
import NIOPosix
import Synchronization

/// HTTP between members, encrypted and mutually authenticated by the cluster link: for each member's cluster
/// address, a listener on loopback whose every connection is carried over TLS (`ClusterTLS`, ALPN `http/1.1`)
/// to that member's gateway, which hands it to the member's HTTP API. An HTTP client sends to ``url(for:)``
/// as to any plain `http://` server; nothing it sends crosses the network in clear.
public final class ClusterHTTPTunnels: Sendable {
    let tls: ClusterTLS
    private let listeners = Mutex<[String: any Channel]>([:])

    /// Tunnels for a process that holds the cluster's credentials.
    public convenience init(credentials: ClusterCredentials) throws {
        self.init(tls: try ClusterTLS(credentials))
    }

    init(tls: ClusterTLS) {
        self.tls = tls
    }

    /// The base URL (`http://127.0.0.1:PORT`) whose requests reach the HTTP API of the member at
    /// `clusterAddress` (`host:port`) over the cluster link.
    public func url(for clusterAddress: String) throws -> String {
        try listeners.withLock { listeners in
            if let listener = listeners[clusterAddress], listener.isActive, let port = listener.localAddress?.port {
                return "http://127.0.0.1:\(port)"
            }
            let listener = try open(to: clusterAddress)
            listeners[clusterAddress] = listener
            return "http://127.0.0.1:\(listener.localAddress?.port ?? 0)"
        }
    }

    /// Listens on a free loopback port; each connection is spliced to a TLS connection to `clusterAddress`.
    private func open(to clusterAddress: String) throws -> any Channel {
        let (host, portText) = try SocketStream.splitHostPort(clusterAddress)
        guard let port = Int(portText) else {
            throw DqliteError.invalidArgument("cluster address \"\(clusterAddress)\" is not host:port")
        }
        let tls = self.tls
        return try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { local in
                local.eventLoop.makeCompletedFuture {
                    try local.pipeline.syncOperations.addHandler(SpliceHandler())
                    Self.connect(local, host: host, port: port, tls: tls)
                        .whenFailure { _ in local.close(promise: nil) }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .wait()
    }

    /// Connects to the member with TLS asking for HTTP and joins the connection to `local` once the
    /// handshake proved the member holds the cluster's key. Either side closing closes the other.
    private static func connect(_ local: any Channel, host: String, port: Int, tls: ClusterTLS) -> EventLoopFuture<Void> {
        openLink(on: local.eventLoop, host: host, port: port, tls: tls, handlers: { [SpliceHandler()] })
            .flatMapThrowing { link, negotiated in
                local.closeFuture.whenComplete { _ in link.close(promise: nil) }
                do {
                    guard negotiated == ClusterTLS.httpProtocol else {
                        throw DqliteError.disconnected("the member at \(host):\(port) does not serve HTTP on its cluster link")
                    }
                    SpliceHandler.join(try local.pipeline.syncOperations.handler(type: SpliceHandler.self),
                                       try link.pipeline.syncOperations.handler(type: SpliceHandler.self))
                } catch {
                    link.close(promise: nil)
                    throw error
                }
            }
    }

    /// How long connecting to a member and its TLS handshake may take.
    static let handshakeTimeout = TimeAmount.seconds(5)

    /// Stops every listener; connections already carried end when either side closes.
    public func close() {
        let open = listeners.withLock { listeners in
            defer { listeners = [:] }
            return Array(listeners.values)
        }
        for listener in open { listener.close(promise: nil) }
    }
}
