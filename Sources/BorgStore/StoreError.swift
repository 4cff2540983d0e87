/// A write the store refuses because of what it already holds.
public struct StoreError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// It clashes with a stored row: a name taken, a key already pinned.
        case conflict
        /// A value the schema cannot hold (a name too long or empty).
        case invalid
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}
