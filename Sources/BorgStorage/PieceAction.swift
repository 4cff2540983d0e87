/// What a ``PieceOrder`` lets its bearer do with a piece.
public enum PieceAction: String, Codable, Sendable {
    case put, get, delete
}
