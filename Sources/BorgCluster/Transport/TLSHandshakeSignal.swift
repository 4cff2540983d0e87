import NIOCore
import NIOTLS

/// Completes a promise with the negotiated ALPN protocol (nil: none) when the channel's TLS handshake succeeds,
/// and fails it if the channel fails or closes first. Everything passes through.
final class TLSHandshakeSignal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var promise: EventLoopPromise<String?>?

    init(_ promise: EventLoopPromise<String?>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            promise?.succeed(negotiated)
            promise = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        promise = nil
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(ChannelError.ioOnClosedChannel)
        promise = nil
        context.fireChannelInactive()
    }
}
