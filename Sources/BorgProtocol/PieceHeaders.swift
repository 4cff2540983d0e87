/// The headers of the piece protocol between clients and storage hosts (`PieceClient`, `PieceServer`).
public enum PieceHeaders {
    /// The order the coordinator signed for the request.
    public static let order = "Borg-Order"
    /// A piece's SHA-256 in hex, on a put of one piece.
    public static let sha256 = "Borg-Piece-SHA256"
    /// A batch's pieces in body order, separated by commas: `<piece>:<size>:<sha256>` on a put,
    /// `<piece>:<size>` on the answer to a get.
    public static let pieces = "Borg-Pieces"
}
