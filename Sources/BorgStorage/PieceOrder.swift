/// A permission a coordinator signs for one host and one file: the bearer may do `actions` on the pieces of
/// `fileID` that exist (segment below `segments`, index below `pieces`; with `placed`, only the pieces placed
/// on this host) on host `host`, each piece at most `maxPieceBytes`, until `expires`. A client can thus store
/// no more under a plan than the pieces the coordinator placed.
public struct PieceOrder: Codable, Sendable, Equatable {
    public var fileID: String
    public var host: Int64
    public var actions: [PieceAction]
    public var maxPieceBytes: Int
    /// Seconds since 1970; the order is void from then on.
    public var expires: Double
    /// The file's segments and pieces per segment.
    public var segments: Int
    public var pieces: Int
    /// The index of the piece of each segment placed on this host, one of ``indexDigits`` per segment, `-`
    /// where it holds none (a segment's pieces are on distinct hosts); nil: any index below `pieces`.
    public var placed: String?

    /// The digits of ``placed``: index i is the i-th character.
    public static let indexDigits = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    public init(fileID: String, host: Int64, actions: [PieceAction], maxPieceBytes: Int, expires: Double,
                segments: Int = PieceID.segmentLimit, pieces: Int = PieceID.indexLimit, placed: String? = nil) {
        self.fileID = fileID
        self.host = host
        self.actions = actions
        self.maxPieceBytes = maxPieceBytes
        self.expires = expires
        self.segments = segments
        self.pieces = pieces
        self.placed = placed
    }

    /// ``placed`` for a host that holds, of each segment, the piece `indexes[segment]` (nil: none).
    public static func placed(_ indexes: [Int?]) -> String {
        String(decoding: indexes.map { index in index.map { indexDigits[$0] } ?? UInt8(ascii: "-") }, as: UTF8.self)
    }

    /// Whether the order covers `action` on `piece` at `host`, with `bytes` (a put's size; nil when there is
    /// none) at most ``maxPieceBytes``. Expiry is the ``OrderVerifier``'s to check.
    public func allows(_ action: PieceAction, on piece: PieceID, host: Int64, bytes: Int?) -> Bool {
        guard actions.contains(action), piece.fileID == fileID, host == self.host else { return false }
        guard piece.segment < segments, piece.index < pieces else { return false }
        if let placed {
            let digits = placed.utf8
            guard piece.segment < digits.count, piece.index < Self.indexDigits.count,
                digits[digits.index(digits.startIndex, offsetBy: piece.segment)] == Self.indexDigits[piece.index]
            else { return false }
        }
        guard let bytes else { return true }
        return bytes >= 0 && bytes <= maxPieceBytes
    }
}
