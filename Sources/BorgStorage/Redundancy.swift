/// How a segment is coded: k data pieces plus m parity pieces, written `K+M` (`4+2`). Any k of the
/// n = k + m pieces rebuild the segment.
public struct Redundancy: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Data pieces per segment, k (1 to 32).
    public let dataPieces: Int
    /// Parity pieces per segment, m (1 to 16).
    public let parityPieces: Int

    /// Data pieces 1 to 32, parity pieces 1 to 16 (so at most 48 pieces in all).
    public init(dataPieces: Int, parityPieces: Int) throws {
        let text = "\(dataPieces)+\(parityPieces)"
        guard (1...32).contains(dataPieces) else {
            throw StorageError.invalidRedundancy("redundancy \(text): data pieces must be 1 to 32")
        }
        guard (1...16).contains(parityPieces) else {
            throw StorageError.invalidRedundancy("redundancy \(text): parity pieces must be 1 to 16")
        }
        self.dataPieces = dataPieces
        self.parityPieces = parityPieces
    }

    /// Parses `K+M`, e.g. `4+2` (decimal numbers, nothing else).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Self.number(parts[0]), let m = Self.number(parts[1]) else {
            let shown = text.count > 40 ? "\(text.prefix(40))…" : text
            throw StorageError.invalidRedundancy("\"\(shown)\" is not a redundancy: expected K+M, e.g. 4+2")
        }
        try self.init(dataPieces: k, parityPieces: m)
    }

    /// n, the pieces of a segment.
    public var totalPieces: Int { dataPieces + parityPieces }

    /// Stored bytes per plaintext byte, n / k.
    public var expansion: Double { Double(totalPieces) / Double(dataPieces) }

    /// Pieces of a segment a put must store to succeed: k + max(1, m − 1), at most n
    /// (`4+2` → 5, `2+1` → 3, `3+1` → 4).
    public var successThreshold: Int { min(totalPieces, dataPieces + max(1, parityPieces - 1)) }

    /// The grid's default for this many storage hosts: nil below 2; 2 → `1+1`; 3 → `2+1`; 4 → `3+1`;
    /// 5 → `4+1`; 6 or more → `4+2`.
    public static func defaults(storageHosts: Int) -> Redundancy? {
        switch storageHosts {
        case ..<2: nil
        case 2...5: Redundancy(checked: storageHosts - 1, 1)
        default: Redundancy(checked: 4, 2)
        }
    }

    public var description: String { "\(dataPieces)+\(parityPieces)" }

    public init(from decoder: any Decoder) throws {
        try self.init(parsing: decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// For the constants above, which are in range.
    private init(checked dataPieces: Int, _ parityPieces: Int) {
        self.dataPieces = dataPieces
        self.parityPieces = parityPieces
    }

    /// A decimal number of at most 3 digits (no sign, no spaces).
    private static func number(_ text: Substring) -> Int? {
        guard (1...3).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return nil
        }
        return Int(text)
    }
}
