@testable import BorgCluster
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// An intruder's exchange with a node's address: bytes sent at once, then everything the node sends back until it
/// hangs up or a few seconds pass.
struct RawExchange {
    /// Application data received (for TLS: decrypted).
    var bytes: [UInt8] = []
    /// Whether the node closed the connection before the wait ended.
    var closedByPeer = false

    private static let wait: Double = 3

    /// Over plain TCP.
    static func plain(_ address: String, sending request: [UInt8]) throws -> RawExchange {
        let fd = try TCPDialer().connect(to: address, timeout: wait)
        defer { close(fd) }
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var exchange = RawExchange()
        let deadline = Date().addingTimeInterval(wait)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { exchange.bytes += buffer[0..<count] }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
                exchange.closedByPeer = true
                break
            }
        }
        return exchange
    }

    /// Over TLS 1.3, presenting `credentials`' certificate (or none) and accepting any certificate from the node.
    static func tls(_ address: String, presenting credentials: ClusterCredentials?, sending request: [UInt8]) throws -> RawExchange {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .none
        if let credentials {
            configuration.certificateChain = [.certificate(try NIOSSLCertificate(bytes: credentials.certificateDER, format: .der))]
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: credentials.privateKeyDER, format: .der))
        }
        let context = try NIOSSLContext(configuration: configuration)
        let (host, port) = try SocketStream.splitHostPort(address)
        let collector = Collector()
        let channel = try ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        try NIOSSLClientHandler(context: context, serverHostname: nil), CollectingHandler(collector))
                }
            }
            .connect(host: host, port: Int(port) ?? 0)
            .wait()
        channel.writeAndFlush(ByteBuffer(bytes: request), promise: nil)
        let done = DispatchSemaphore(value: 0)
        channel.closeFuture.whenComplete { _ in done.signal() }
        let closed = done.wait(timeout: .now() + wait) == .success
        channel.close(promise: nil)
        return RawExchange(bytes: collector.bytes, closedByPeer: closed)
    }
}

/// What a `CollectingHandler` received, readable from any thread.
private final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [UInt8] = []
    var bytes: [UInt8] { lock.withLock { received } }
    func append(_ buffer: ByteBuffer) { lock.withLock { received += buffer.readableBytesView } }
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let collector: Collector
    init(_ collector: Collector) { self.collector = collector }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { collector.append(unwrapInboundIn(data)) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
