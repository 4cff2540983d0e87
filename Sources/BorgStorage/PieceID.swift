/// Names one stored piece: `<fileID>.<segment>.<index>`, e.g. `0123…cdef.7.2`. Parsed names are safe
/// to use as file names: only hex digits, decimal digits and two dots.
public struct PieceID: Sendable, Hashable, CustomStringConvertible {
    /// 32 lowercase hex characters (see ``ReadCap/isFileID(_:)``).
    public let fileID: String
    /// The segment, 0..<16_777_216.
    public let segment: Int
    /// The piece of the segment, 0..<48.
    public let index: Int

    /// Segments a file may have.
    public static let segmentLimit = 1 << 24
    /// Pieces a segment may have.
    public static let indexLimit = 48

    public init(fileID: String, segment: Int, index: Int) {
        self.fileID = fileID
        self.segment = segment
        self.index = index
    }

    /// Parses `<fileID>.<segment>.<index>` with decimal numbers in range and without leading zeros;
    /// ``StorageError/malformedPieceID(_:)`` otherwise.
    public init(parsing text: String) throws {
        let shown = text.count > 80 ? "\(text.prefix(80))…" : text
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw StorageError.malformedPieceID("\"\(shown)\" is not a piece id: expected <file>.<segment>.<index>")
        }
        guard ReadCap.isFileID(String(parts[0])) else {
            throw StorageError.malformedPieceID("piece id \"\(shown)\": the file id must be 32 lowercase hex characters")
        }
        guard let segment = Self.number(parts[1], below: Self.segmentLimit) else {
            throw StorageError.malformedPieceID(
                "piece id \"\(shown)\": the segment must be a decimal number below \(Self.segmentLimit)")
        }
        guard let index = Self.number(parts[2], below: Self.indexLimit) else {
            throw StorageError.malformedPieceID(
                "piece id \"\(shown)\": the index must be a decimal number below \(Self.indexLimit)")
        }
        self.init(fileID: String(parts[0]), segment: segment, index: index)
    }

    public var description: String { "\(fileID).\(segment).\(index)" }

    /// A decimal number below `limit` in canonical form (digits only, no leading zero), or nil.
    private static func number(_ text: Substring, below limit: Int) -> Int? {
        guard (1...9).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            text == "0" || !text.hasPrefix("0"), let value = Int(text), value < limit
        else { return nil }
        return value
    }
}
