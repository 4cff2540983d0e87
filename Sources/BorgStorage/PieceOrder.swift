/// A permission a coordinator signs for one host and one file: the bearer may do `actions` on the pieces of
/// `fileID` that exist (segment below `segments`, index below `pieces`) on host `host`, each piece at most
/// `maxPieceBytes`, until `expires`. A client can thus store no more under a plan than the file it declared.
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

    public init(fileID: String, host: Int64, actions: [PieceAction], maxPieceBytes: Int, expires: Double,
                segments: Int = PieceID.segmentLimit, pieces: Int = PieceID.indexLimit) {
        self.fileID = fileID
        self.host = host
        self.actions = actions
        self.maxPieceBytes = maxPieceBytes
        self.expires = expires
        self.segments = segments
        self.pieces = pieces
    }

    /// Whether the order covers `action` on `piece` at `host`, with `bytes` (a put's size; nil when there is
    /// none) at most ``maxPieceBytes``. Expiry is the ``OrderVerifier``'s to check.
    public func allows(_ action: PieceAction, on piece: PieceID, host: Int64, bytes: Int?) -> Bool {
        guard actions.contains(action), piece.fileID == fileID, host == self.host else { return false }
        guard piece.segment < segments, piece.index < pieces else { return false }
        guard let bytes else { return true }
        return bytes >= 0 && bytes <= maxPieceBytes
    }
}
