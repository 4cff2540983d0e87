/// The replicated store cannot take writes right now: no leader with a quorum is reachable (a partitioned
/// minority, or an election in progress), or a commit's fate is unknown because the leader was lost while
/// committing. The API answers 503 so clients retry, possibly through another coordinator.
public struct StoreUnavailable: Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Nothing was written: no quorum.
        case noQuorum
        /// The write may or may not have committed.
        case outcomeUnknown
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .noQuorum: return "the store has no quorum (no reachable leader): \(reason)"
        case .outcomeUnknown: return "the leader was lost while committing; the write may or may not have been applied: \(reason)"
        }
    }
}
