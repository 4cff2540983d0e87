import NIOCore
import NIOHTTPTypes

/// Closes a connection once it has been the client's turn for `timeout` with nothing moving: the server waited
/// for bytes of a request (it asked the socket for more, mid-request or between requests) and got none, or
/// wrote bytes the client did not take (no write of at most ``sliceBytes`` completed: the socket stayed full).
/// A client that stalls mid-upload or stops reading mid-download holds the connection, and what the server
/// holds for it, no longer than that. A slow client that takes or sends a little (``sliceBytes`` of a response)
/// now and then is never cut off, however long its transfer takes, and neither is one whose server is busy:
/// preparing an answer, or not reading a body it cannot take yet. (Hummingbird's own idle timeout starts
/// counting once a response has been handed to the connection, so it cut off a client that took longer than
/// the timeout to receive it, however steadily it read.) Goes in a Hummingbird HTTP/1 server's
/// `additionalChannelHandlers`.
public final class IdleConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    /// Response bodies are written in slices of at most this many bytes, so that a slow reader's progress is
    /// seen slice by slice rather than only when a whole buffer (a piece, a blob) has gone.
    public static let sliceBytes = 256 << 10

    /// The timeout both servers use: past AsyncHTTPClient's pool idle timeout (60 s), so a client's pooled
    /// connection is closed by the client first.
    public static let defaultTimeout: Duration = .seconds(75)

    private let timeout: TimeAmount
    private var lastActivity = NIODeadline.now()
    /// Requests begun (their head read) and not yet answered whole (the response's end written).
    private var unanswered = 0
    /// A request's head has been read and its end not yet.
    private var readingRequest = false
    /// The server asked the socket for more and nothing came yet.
    private var readPending = false
    /// Writes not yet taken by the socket.
    private var pendingWrites = 0
    private var check: Scheduled<Void>?

    /// A handler for one connection, closing it after `timeout` of the client's turn with nothing moving.
    public init(timeout: Duration = defaultTimeout) {
        self.timeout = TimeAmount(timeout)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        readPending = false
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            readingRequest = true
        case .body:
            break
        case .end:
            readingRequest = false
        }
        context.fireChannelRead(data)
    }

    public func read(context: ChannelHandlerContext) {
        readPending = true
        context.read()
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .body(var rest) where rest.readableBytes > Self.sliceBytes:
            while rest.readableBytes > Self.sliceBytes, let slice = rest.readSlice(length: Self.sliceBytes) {
                track(context, wrapOutboundOut(.body(slice)), promise: nil)
            }
            track(context, wrapOutboundOut(.body(rest)), promise: promise)
        case .end:
            unanswered -= 1
            track(context, data, promise: promise)
        default:
            track(context, data, promise: promise)
        }
    }

    /// Writes `data`, counting it as pending until the socket has taken it.
    private func track(_ context: ChannelHandlerContext, _ data: NIOAny, promise: EventLoopPromise<Void>?) {
        pendingWrites += 1
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.assumeIsolated().whenComplete { _ in
            self.pendingWrites -= 1
            self.lastActivity = .now()
        }
        context.write(data, promise: written)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    /// Whether the connection waits for the client: to take what was written, or to send what the server
    /// asked for (more of a request, or the next one, when none is left to answer).
    private var clientsTurn: Bool {
        pendingWrites > 0 || (readPending && (readingRequest || unanswered == 0))
    }

    private func start(_ context: ChannelHandlerContext) {
        guard check == nil else { return }
        lastActivity = .now()
        schedule(context, at: lastActivity + timeout)
    }

    /// Checks at `deadline` whether anything moved since or it is the server's turn; closes the connection if
    /// neither.
    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            if !self.clientsTurn { self.lastActivity = .now() }
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
