import NIOCore
import NIOHTTPTypes

/// Closes a connection once nothing has moved either way for `timeout` while the server was not the one to act:
/// the client sent nothing (in a request or between requests) and took nothing of what it was sent (no write
/// completed: the socket stayed full). A client that stalls mid-upload or stops reading mid-download holds the
/// connection, and the pieces read for it, no longer than that; a slow one that moves a little now and then is
/// never cut off, however long its transfer takes, and neither is one waiting for the server to answer.
/// (Hummingbird's own idle timeout counts only what the client sends, so it closes a connection whose response
/// takes longer than the timeout to deliver.)
final class IdleConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart

    private let timeout: TimeAmount
    private var lastActivity = NIODeadline.now()
    /// Requests read whole and not yet answered whole.
    private var unanswered = 0
    /// Writes not yet taken by the socket.
    private var pendingWrites = 0
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        if case .end = unwrapInboundIn(data) { unanswered += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { unanswered -= 1 }
        pendingWrites += 1
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.assumeIsolated().whenComplete { _ in
            self.pendingWrites -= 1
            self.lastActivity = .now()
        }
        context.write(data, promise: written)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard check == nil else { return }
        lastActivity = .now()
        schedule(context, at: lastActivity + timeout)
    }

    /// Checks at `deadline` whether anything moved since, or the server is preparing an answer; closes the
    /// connection if neither.
    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            let context = loopContext.value
            if self.unanswered > 0 && self.pendingWrites == 0 { self.lastActivity = .now() }
            let due = self.lastActivity + self.timeout
            if NIODeadline.now() >= due {
                self.check = nil
                context.close(promise: nil)
            } else {
                self.schedule(context, at: due)
            }
        }
    }

    private func stop() {
        check?.cancel()
        check = nil
    }
}
