import Hummingbird
import Logging
import ServiceLifecycle

/// A ``PieceServer`` running in a service group of its own. It is stopped by a graceful shutdown (cancelling
/// its task instead can trap in NIO when a connection was accepted but not yet served), waited for only so long:
/// a client that stalled mid-upload must not hold a leaving host or a stopping daemon.
public final class PieceService: Sendable {
    private let services: ServiceGroup
    private let running: Task<Void, Never>
    /// The port it listens on.
    public let port: Int

    /// Starts `server`; returns once it listens, or throws if it cannot (the port taken, say).
    /// `log` is told why it stopped, if not by ``stop(patience:)``.
    public init(_ server: PieceServer, log: @escaping @Sendable (String) -> Void) async throws {
        let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = server.application { port in
            continuation.yield(port)
            continuation.finish()
        }
        let services = ServiceGroup(configuration: .init(services: [application], logger: Logger(label: "borg-client")))
        let running = Task {
            do { try await services.run() } catch { log("piece server stopped: \(error)") }
            continuation.finish()
        }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw PieceServiceError.notListening
        }
        self.services = services
        self.running = running
        self.port = port
    }

    /// Stops taking connections and waits for the requests under way, at most `patience`; returns whether they
    /// all ended. A request still running then is left to the server's idle timeout or the process's exit.
    @discardableResult
    public func stop(patience: Duration = .seconds(10)) async -> Bool {
        await services.triggerGracefulShutdown()
        let (ended, continuation) = AsyncStream.makeStream(of: Bool.self)
        let running = self.running
        Task {
            await running.value
            continuation.yield(true)
        }
        let timer = Task {
            guard (try? await Task.sleep(for: patience)) != nil else { return }
            continuation.yield(false)
        }
        var first = ended.makeAsyncIterator()
        let stopped = await first.next() ?? false
        timer.cancel()
        continuation.finish()
        return stopped
    }
}

/// Why a ``PieceService`` did not start.
public enum PieceServiceError: Error {
    /// The server stopped before it listened.
    case notListening
}
