import NIOCore
import NIOPosix

/// The cluster address of a node that listens only inside this process: accepts TLS connections, and splices
/// each whose peer proved to be a cluster member (`ClusterTLS`) to the node's local socket, or, when the member
/// asked for HTTP (ALPN), to this coordinator's HTTP API (`ClusterHTTPEndpoint`). A connection that fails the
/// handshake is closed before anything reaches the node or the API.
final class ClusterGateway: Sendable {
    private let listener: any Channel

    /// Listens on `address` (`host:port`) for connections to the node at `localAddress` (`@name`).
    init(address: String, localAddress: String, http: ClusterHTTPEndpoint, tls: ClusterTLS) throws {
        let (host, portText) = try SocketStream.splitHostPort(address)
        guard let port = Int(portText) else { throw DqliteError.invalidArgument("address \"\(address)\" is not host:port") }
        do {
            listener = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handshake = channel.eventLoop.makePromise(of: String?.self)
                        try channel.pipeline.syncOperations.addHandlers(
                            tls.serverHandler(), TLSHandshakeSignal(handshake), SpliceHandler())
                        handshake.futureResult
                            .flatMap { negotiated in
                                negotiated == ClusterTLS.httpProtocol
                                    ? Self.splice(channel, toHTTP: http) : Self.spliceToNode(channel, localAddress)
                            }
                            .whenFailure { _ in channel.close(promise: nil) }
                    }
                }
                .bind(host: host, port: port)
                .wait()
        } catch {
            throw DqliteError.node(code: -1, message: "cannot listen on the cluster address \(address): \(error)")
        }
    }

    /// Opens a connection to the node and joins it to the member's `channel` (on the channel's event loop).
    private static func spliceToNode(_ channel: any Channel, _ localAddress: String) -> EventLoopFuture<Void> {
        let descriptor: Int32
        do {
            descriptor = try LocalSocket.connect(localAddress)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return ClientBootstrap(group: channel.eventLoop)
            .channelInitializer { node in
                node.eventLoop.makeCompletedFuture { try node.pipeline.syncOperations.addHandler(SpliceHandler()) }
            }
            .withConnectedSocket(descriptor)
            .flatMapThrowing { node in
                SpliceHandler.join(try channel.pipeline.syncOperations.handler(type: SpliceHandler.self),
                                   try node.pipeline.syncOperations.handler(type: SpliceHandler.self))
            }
    }

    /// Opens a connection to this coordinator's HTTP API and joins it to the member's `channel`.
    private static func splice(_ channel: any Channel, toHTTP http: ClusterHTTPEndpoint) -> EventLoopFuture<Void> {
        guard let (host, port) = http.address else {
            return channel.eventLoop.makeFailedFuture(DqliteError.disconnected("this coordinator's HTTP API is not serving yet"))
        }
        return ClientBootstrap(group: channel.eventLoop)
            .channelInitializer { api in
                api.eventLoop.makeCompletedFuture { try api.pipeline.syncOperations.addHandler(SpliceHandler()) }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { api in
                do {
                    SpliceHandler.join(try channel.pipeline.syncOperations.handler(type: SpliceHandler.self),
                                       try api.pipeline.syncOperations.handler(type: SpliceHandler.self))
                } catch {
                    api.close(promise: nil)  // the member hung up meanwhile
                    throw error
                }
            }
    }

    /// Stops accepting connections; those already spliced end when the node closes its side.
    func close() {
        if listener.eventLoop.inEventLoop {
            listener.close(promise: nil)
        } else {
            try? listener.close().wait()
        }
    }
}
