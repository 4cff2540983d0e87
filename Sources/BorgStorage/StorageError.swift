/// Errors of the storage module: bad redundancy, caps, orders or piece names, pieces that do not decode,
/// and placements the grid has no room for. Each description stands on its own.
public enum StorageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The redundancy is out of range or not written `K+M` (the message says which).
    case invalidRedundancy(String)
    /// A read-cap or file key is not well formed (the message says which part).
    case malformedCap(String)
    /// An order token or an order key is not well formed (the message says which part).
    case malformedOrder(String)
    /// The order's signature does not verify under any key this host knows.
    case forgedOrder
    /// The order's expiry has passed.
    case expiredOrder
    /// A piece name is not `<fileID>.<segment>.<index>` (the message says which part).
    case malformedPieceID(String)
    /// Fewer pieces of a segment than are needed to decode it.
    case tooFewPieces(have: Int, need: Int)
    /// Pieces or ciphertext that fail authentication or have impossible lengths or indices.
    case corrupt(String)
    /// Fewer storage hosts with room than pieces of a segment.
    case notEnoughHosts(have: Int, need: Int)
    /// The storage hosts ran out of space (the message says where).
    case noRoom(String)

    /// The message says what is wrong and, where it is not obvious, what to do.
    public var description: String {
        switch self {
        case .invalidRedundancy(let message), .malformedCap(let message), .malformedOrder(let message),
            .malformedPieceID(let message), .corrupt(let message), .noRoom(let message):
            message
        case .forgedOrder:
            "the order's signature does not verify under any coordinator key this host knows; ask a coordinator for a new order"
        case .expiredOrder:
            "the order has expired; ask a coordinator for a new order"
        case .tooFewPieces(let have, let need):
            "too few pieces to decode the segment: have \(have), need \(need); fetch more pieces or repair the file"
        case .notEnoughHosts(let have, let need):
            "not enough storage hosts with room: have \(have), need \(need); add storage hosts or choose a smaller redundancy"
        }
    }
}
