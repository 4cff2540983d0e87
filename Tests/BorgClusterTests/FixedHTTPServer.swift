import Foundation
import NIOCore
import NIOPosix

/// An HTTP server on loopback that answers every request with 200 and the same body, and counts requests:
/// the member API behind a gateway in the cluster link's tests.
final class FixedHTTPServer: @unchecked Sendable {
    private let channel: any Channel
    private let counter: Counter
    let port: Int

    init(body: String) throws {
        let counter = Counter()
        let response = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Responder(response: response, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .wait()
        self.counter = counter
        port = channel.localAddress?.port ?? 0
    }

    /// Requests answered so far.
    var requests: Int { counter.value }

    func close() { try? channel.close().wait() }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        func increment() { lock.withLock { count += 1 } }
    }

    /// Answers once the request's header is complete, then closes.
    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let response: String
        let counter: Counter
        private var received = ""

        init(response: String, counter: Counter) {
            self.response = response
            self.counter = counter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
            guard received.contains("\r\n\r\n") else { return }
            counter.increment()
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
            context.close(promise: nil)
        }
    }
}
