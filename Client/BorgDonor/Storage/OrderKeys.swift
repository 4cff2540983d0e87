import BorgStorage
import Synchronization

/// The coordinator's order-signing public keys and this host's id, as the daemon last learned them. The
/// piece server checks every order against them, and both may change while it runs.
///
/// One order covers every piece of a file on a host, so a reader presents the same token for each piece:
/// a token verified under the keys in force is remembered (up to ``verifiedLimit``) and only its expiry is
/// checked again. New keys forget every remembered token.
public final class OrderKeys: Sendable {
    /// How many verified tokens are remembered; past it, the memory starts again.
    public static let verifiedLimit = 512

    private let state: Mutex<State>

    private struct State {
        /// `nil` while no key is known: every order is then refused.
        var verifier: OrderVerifier?
        var host: Int64
        /// Counts key changes, so a token verified under old keys is not remembered under new ones.
        var generation = 0
        var verified: [String: PieceOrder] = [:]
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
        state.withLock {
            $0.verifier = verifier
            $0.generation += 1
            $0.verified = [:]
        }
    }

    /// Replaces this host's id.
    public func update(host: Int64) {
        state.withLock { $0.host = host }
    }

    /// The order `token` carries, signed under the keys in force and unexpired at `now`, with the host id
    /// it must name; `nil` while no key is known. Throws as ``OrderVerifier/verify(_:now:)`` does.
    func verify(_ token: String, now: Double) throws -> (order: PieceOrder, host: Int64)? {
        let (verifier, host, generation, remembered) = state.withLock { ($0.verifier, $0.host, $0.generation, $0.verified[token]) }
        guard let verifier else { return nil }
        if let remembered {
            guard now < remembered.expires else { throw StorageError.expiredOrder }
            return (remembered, host)
        }
        let order = try verifier.verify(token, now: now)
        state.withLock {
            guard $0.generation == generation else { return }
            if $0.verified.count >= Self.verifiedLimit { $0.verified = [:] }
            $0.verified[token] = order
        }
        return (order, host)
    }

    private static func verifier(_ publicKeys: [String]) throws -> OrderVerifier? {
        publicKeys.isEmpty ? nil : try OrderVerifier(publicKeys: publicKeys)
    }
}
