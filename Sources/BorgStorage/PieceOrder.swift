/// A permission a coordinator signs for one host and one file: the bearer may do `actions` on pieces of
/// `fileID` on host `host`, each piece at most `maxPieceBytes`, until `expires`.
public struct PieceOrder: Codable, Sendable, Equatable {
    public var fileID: String
    public var host: Int64
    public var actions: [PieceAction]
    public var maxPieceBytes: Int
    /// Seconds since 1970; the order is void from then on.
    public var expires: Double

    public init(fileID: String, host: Int64, actions: [PieceAction], maxPieceBytes: Int, expires: Double) {
        self.fileID = fileID
        self.host = host
        self.actions = actions
        self.maxPieceBytes = maxPieceBytes
        self.expires = expires
    }

    /// Whether the order covers `action` on `piece` at `host`, with `bytes` (a put's size; nil when there is
    /// none) at most ``maxPieceBytes``. Expiry is the ``OrderVerifier``'s to check.
    public func allows(_ action: PieceAction, on piece: PieceID, host: Int64, bytes: Int?) -> Bool {
        guard actions.contains(action), piece.fileID == fileID, host == self.host else { return false }
        guard let bytes else { return true }
        return bytes >= 0 && bytes <= maxPieceBytes
    }
}
