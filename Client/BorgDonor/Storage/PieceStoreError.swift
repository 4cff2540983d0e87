/// Why ``PieceStore`` refused or failed; the message says what is wrong and what to do.
public enum PieceStoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No piece of that id is stored here.
    case notFound(String)
    /// The bytes do not hash to the SHA-256 claimed for them.
    case mismatch(String)
    /// A piece of that id is already stored with other bytes; a stored piece is never replaced.
    case conflict(String)
    /// Storing `needed` more bytes would pass the capacity.
    case full(needed: Int64, used: Int64, capacity: Int64)
    /// Storing `needed` more bytes would leave the disk with less free space than the host keeps.
    case diskNearlyFull(needed: Int64, free: Int64, keeping: Int64)
    /// The host is leaving the grid: it hands its pieces over and takes no new ones.
    case leaving
    /// A symbolic link or another non-regular file stands where a piece or its directory belongs.
    case refused(String)
    /// A piece id that does not name a file inside the store.
    case invalid(String)
    /// The file system failed.
    case io(String)

    public var description: String {
        switch self {
        case .notFound(let piece):
            return "this host holds no piece \(piece): fetch it from another host"
        case .mismatch(let piece):
            return "piece \(piece) does not match its SHA-256: send the piece again with the SHA-256 of exactly those bytes"
        case .conflict(let piece):
            return "this host already holds piece \(piece) with other bytes, and a stored piece is never replaced: delete it first (an order that allows delete), or store the new bytes under a new file"
        case .full(let needed, let used, let capacity):
            return "this host's storage donation is full (\(used) of \(capacity) bytes used, \(needed) more needed): store the piece on another host"
        case .diskNearlyFull(let needed, let free, let keeping):
            return "this host's disk is nearly full (\(free) bytes free, \(needed) more needed, \(keeping) kept free for its owner): store the piece on another host"
        case .leaving:
            return "this host is leaving the grid and takes no new pieces: store the piece on another host"
        case .refused(let path):
            return "'\(path)' is a symbolic link or not a regular file or directory; pieces are never read or written through one: remove it"
        case .invalid(let piece):
            return "'\(piece)' is not a valid piece id (expected <32 hex digits>.<segment>.<index>)"
        case .io(let reason):
            return reason
        }
    }
}
