import BorgStorage
import Synchronization

/// The coordinator's order-signing public keys and this host's id, as the daemon last learned them. The
/// piece server checks every order against them, and both may change while it runs.
public final class OrderKeys: Sendable {
    private let state: Mutex<State>

    private struct State {
        /// `nil` while no key is known: every order is then refused.
        var verifier: OrderVerifier?
        var host: Int64
    }

    /// The keys `publicKeys` (none: refuse every order until ``update(_:)``) for host `host`.
    public init(publicKeys: [String] = [], host: Int64) throws {
        state = Mutex(State(verifier: try Self.verifier(publicKeys), host: host))
    }

    /// This host's id, which orders must name.
    public var host: Int64 { state.withLock { $0.host } }

    /// Replaces the keys; a malformed key throws and leaves the old ones in force.
    public func update(_ publicKeys: [String]) throws {
        let verifier = try Self.verifier(publicKeys)
        state.withLock { $0.verifier = verifier }
    }

    /// Replaces this host's id.
    public func update(host: Int64) {
        state.withLock { $0.host = host }
    }

    /// The verifier of the keys in force (`nil` if none) and the host id, read together.
    func current() -> (verifier: OrderVerifier?, host: Int64) {
        state.withLock { ($0.verifier, $0.host) }
    }

    private static func verifier(_ publicKeys: [String]) throws -> OrderVerifier? {
        publicKeys.isEmpty ? nil : try OrderVerifier(publicKeys: publicKeys)
    }
}
