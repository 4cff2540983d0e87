import NIOCore
import NIOPosix

extension ClusterHTTPTunnels {
    /// Why a link to a member could not be opened.
    enum LinkFailure: Error, CustomStringConvertible {
        /// Nothing accepted the connection.
        case unreachable(any Error)
        /// The connection was made, but its TLS handshake failed or took too long.
        case handshake(any Error)

        var description: String {
            switch self {
            case .unreachable(let error): "cannot connect: \(error)"
            case .handshake(let error): "the TLS handshake failed: \(error)"
            }
        }
    }

    /// Opens a connection to `host`:`port` on `loop` with TLS asking for HTTP and waits (at most
    /// ``handshakeTimeout`` each) for it to connect and for its handshake, which proves the member holds the
    /// cluster's key. `handlers` are added after TLS. Gives the link and the protocol the member agreed to;
    /// on failure, closes what it opened and says which step failed (``LinkFailure``).
    static func openLink(
        on loop: any EventLoop, host: String, port: Int, tls: ClusterTLS,
        handlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }
    ) -> EventLoopFuture<(link: any Channel, negotiated: String?)> {
        let handshake = loop.makePromise(of: String?.self)
        let expiry = loop.scheduleTask(in: handshakeTimeout) {
            handshake.fail(DqliteError.timeout("timed out in the TLS handshake with \(host):\(port)"))
        }
        return ClientBootstrap(group: loop)
            .connectTimeout(handshakeTimeout)
            .channelInitializer { link in
                link.eventLoop.makeCompletedFuture {
                    try link.pipeline.syncOperations.addHandlers(
                        [try tls.clientHandler(http: true), TLSHandshakeSignal(handshake)] + handlers())
                }
            }
            .connect(host: host, port: port)
            .flatMapError { error in
                handshake.fail(error)
                return loop.makeFailedFuture(LinkFailure.unreachable(error))
            }
            .flatMap { link in
                handshake.futureResult
                    .map { negotiated in (link: link, negotiated: negotiated) }
                    .flatMapErrorThrowing { error in
                        link.close(promise: nil)
                        throw LinkFailure.handshake(error)
                    }
            }
            .always { _ in expiry.cancel() }
    }
}
