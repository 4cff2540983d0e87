/// A storage host that ``Placement`` may choose, with the space it has left.
public struct StorageCandidate: Sendable, Equatable {
    public let host: Int64
    /// The donor who owns the host; pieces of a segment go to distinct donors where possible.
    public let donor: Int64
    public var freeBytes: Int64
    /// Whether the host's audits are in good standing; one that lost pieces gets new ones only when no host in
    /// good standing can take them (a small grid must still be able to store).
    public let trusted: Bool

    public init(host: Int64, donor: Int64, freeBytes: Int64, trusted: Bool = true) {
        self.host = host
        self.donor = donor
        self.freeBytes = freeBytes
        self.trusted = trusted
    }
}
