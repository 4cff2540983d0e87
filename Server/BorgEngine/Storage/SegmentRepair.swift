import BorgCore
import BorgStorage

/// A piece the repairer may read: where it is, the order to read it, and its digest.
public struct PieceSource: Sendable, Equatable {
    public let index: Int
    public let host: HostID
    public let url: String
    public let order: String
    public let sha256: String
}

/// A piece to put on a new host: rebuilt from `k` sources, or copied from `copy` (a leaving host).
public struct PieceTarget: Sendable, Equatable {
    public let index: Int
    /// The host the piece leaves (lost, gone, or leaving); nil for a piece the upload never stored (a put
    /// succeeds with fewer than n pieces).
    public let from: HostID?
    public let to: HostID
    public let url: String
    public let order: String
    /// The piece's digest (a rebuilt piece is the same bytes as the original); nil for a piece never stored,
    /// whose digest is that of its rebuilt bytes.
    public let sha256: String?
    /// The readable copy on a leaving host, when there is one.
    public let copy: PieceSource?
}

/// One segment to mend, with everything the repairer needs and nothing more: it works on coded ciphertext
/// with the file's verify information (digests), never its key.
public struct SegmentRepair: Sendable, Equatable {
    public let fileID: String
    public let segment: Int
    public let redundancy: Redundancy
    /// Bytes of each of the segment's pieces.
    public let pieceSize: Int
    /// Bytes of the sealed segment (what decoding returns).
    public let sealedLength: Int
    /// Pieces that can be read, healthy ones first.
    public let sources: [PieceSource]
    public let targets: [PieceTarget]
    /// Pieces on healthy hosts before the repair: the fewer, the more endangered.
    public let healthy: Int
}
