import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Reaches cluster members through their TLS gateways: it connects to the member's address, completes the
/// mutually authenticated handshake (`ClusterTLS`), and returns one end of a Unix socket pair whose other end is
/// spliced to the TLS connection, so that blocking callers (our client, libdqlite's Raft transport) keep
/// reading and writing a plain descriptor.
public struct TLSDialer: DqliteDialer {
    private let tls: ClusterTLS
    /// Addresses of nodes running in this process, and their local sockets: reached directly, without TLS.
    private let localNodes: [String: String]

    /// A dialer for processes that hold the cluster's credentials but run no node of their own.
    public init(credentials: ClusterCredentials) throws {
        self.init(tls: try ClusterTLS(credentials), localNodes: [:])
    }

    init(tls: ClusterTLS, localNodes: [String: String]) {
        self.tls = tls
        self.localNodes = localNodes
    }

    public func connect(to address: String, timeout: TimeInterval) throws -> Int32 {
        if let local = localNodes[address] { return try LocalSocket.connect(local) }
        let (host, portText) = try SocketStream.splitHostPort(address)
        guard let port = Int(portText) else { throw DqliteError.invalidArgument("address \"\(address)\" is not host:port") }
        let link = try open(host: host, port: port, timeout: timeout, address: address)
        do {
            return try splice(link)
        } catch {
            link.close(promise: nil)
            throw DqliteError.disconnected("cannot splice the TLS connection to \(address): \(error)")
        }
    }

    /// A TCP connection to the member with the TLS handshake completed.
    private func open(host: String, port: Int, timeout: TimeInterval, address: String) throws -> any Channel {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = loop.makePromise(of: String?.self)
        let tls = self.tls
        let connecting = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(max(1, timeout * 1000))))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        try tls.clientHandler(), TLSHandshakeSignal(handshake), SpliceHandler())
                }
            }
            .connect(host: host, port: port)
        let channel: any Channel
        do {
            channel = try connecting.wait()
        } catch {
            handshake.fail(error)
            throw DqliteError.disconnected("connect to \(address) failed: \(error)")
        }
        let expiry = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            handshake.fail(DqliteError.timeout("timed out in the TLS handshake with \(address)"))
        }
        defer { expiry.cancel() }
        do {
            _ = try handshake.futureResult.wait()
            return channel
        } catch {
            channel.close(promise: nil)
            if let error = error as? DqliteError { throw error }
            throw DqliteError.disconnected("TLS handshake with \(address) failed (not a member of this cluster?): \(error)")
        }
    }

    /// The caller's end of a socket pair whose other end is spliced to `link`.
    private func splice(_ link: any Channel) throws -> Int32 {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw DqliteError.disconnected("socketpair failed: \(SocketStream.describe(errno))")
        }
        do {
            try ClientBootstrap(group: link.eventLoop)
                .channelInitializer { inner in
                    inner.eventLoop.makeCompletedFuture { try inner.pipeline.syncOperations.addHandler(SpliceHandler()) }
                }
                .withConnectedSocket(pair[1])
                .flatMapThrowing { inner in
                    SpliceHandler.join(try link.pipeline.syncOperations.handler(type: SpliceHandler.self),
                                       try inner.pipeline.syncOperations.handler(type: SpliceHandler.self))
                }
                .wait()
        } catch {
            _ = Glibc.close(pair[0])
            throw error
        }
        return pair[0]
    }
}
