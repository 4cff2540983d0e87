import Hummingbird
import NIOCore
import Synchronization

/// A route that refuses a request before reading its body (a wrong key on a 6 MiB upload) leaves the body
/// on the connection, and a client that sends its whole body before it reads the answer (Python's
/// urllib, any client without `Expect: 100-continue`) would wait forever. So a refused request's body that
/// nobody started to read is read and discarded, up to `limit` bytes, and the answer says
/// `Connection: close`; a longer body, or one a route stopped reading at its limit (413), is not read
/// further: the connection is closed once the answer is written.
struct UnreadBodyMiddleware: RouterMiddleware {
    typealias Context = CoordinatorContext
    /// Most bytes of a refused body read and discarded.
    let limit: Int
    /// How long after the answer a connection with an unread body is closed.
    static let closeDelay = TimeAmount.milliseconds(200)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.hasBody(request) else { return try await next(request, context) }
        let reading = ReadingStarted()
        var watched = request
        watched.body = RequestBody(asyncSequence: WatchedBody(body: request.body, reading: reading))
        var response: Response
        do {
            response = try await next(watched, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        guard response.status.code >= 400 else { return response }
        response.headers[.connection] = "close"
        let unread = reading.started ? response.status == .contentTooLarge : !(await discard(request.body))
        if unread {
            let channel = context.channel
            channel.eventLoop.scheduleTask(in: Self.closeDelay) { channel.close(promise: nil) }
        }
        return response
    }

    /// Reads and drops a body nobody read; false if it is longer than `limit` (or breaks off).
    private func discard(_ body: RequestBody) async -> Bool {
        var bytes = 0
        do {
            for try await buffer in body {
                bytes += buffer.readableBytes
                if bytes > limit { return false }
            }
            return true
        } catch {
            return false
        }
    }

    /// Whether the request announced a body.
    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength], let bytes = Int(length) { return bytes > 0 }
        return request.headers[.transferEncoding] != nil
    }
}

/// Set once a route starts reading a request's body.
private final class ReadingStarted: Sendable {
    private let flag = Atomic<Bool>(false)
    var started: Bool { flag.load(ordering: .relaxed) }
    func start() { flag.store(true, ordering: .relaxed) }
}

/// A request body that notes when a route starts reading it.
private struct WatchedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: RequestBody
    let reading: ReadingStarted

    func makeAsyncIterator() -> RequestBody.AsyncIterator {
        reading.start()
        return body.makeAsyncIterator()
    }
}
