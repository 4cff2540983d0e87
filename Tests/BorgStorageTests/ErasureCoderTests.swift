import BorgStorage
import Testing

struct ErasureCoderTests {
    static let shapes = ["1+1", "2+1", "3+1", "4+2", "10+4"]

    @Test(arguments: shapes, [1, 1000])
    func decodesFromEverySetOfSurvivors(shape: String, length: Int) throws {
        let coder = try ErasureCoder(Redundancy(parsing: shape))
        let segment = Self.randomBytes(length)
        let pieces = coder.encode(segment)
        for lost in Self.subsets(of: coder.redundancy.totalPieces, upTo: coder.redundancy.parityPieces) {
            let survivors = Self.keep(pieces, without: lost)
            #expect(try coder.decode(survivors, segmentLength: length) == segment, "lost \(lost)")
        }
    }

    @Test(arguments: shapes)
    func decodesALargeOddSegmentFromASample(shape: String) throws {
        let coder = try ErasureCoder(Redundancy(parsing: shape))
        let length = (1 << 20) + 3
        let segment = Self.randomBytes(length)
        let pieces = coder.encode(segment)
        #expect(pieces.count == coder.redundancy.totalPieces)
        #expect(pieces.allSatisfy { $0.count == coder.pieceSize(forSegmentOf: length) })
        let all = Self.subsets(of: coder.redundancy.totalPieces, upTo: coder.redundancy.parityPieces)
        let sample = all.filter { $0.count == coder.redundancy.parityPieces }.shuffled().prefix(6) + [[]]
        for lost in sample {
            let survivors = Self.keep(pieces, without: lost)
            #expect(try coder.decode(survivors, segmentLength: length) == segment, "lost \(lost)")
        }
    }

    @Test(arguments: shapes, [0, 1, 1000, (1 << 20) + 16])
    func piecesInPlaceAreTheEncodedPieces(shape: String, length: Int) throws {
        let coder = ErasureCoder(try Redundancy(parsing: shape))
        let segment = Self.randomBytes(length)
        #expect(coder.pieces(of: segment).map { Array($0) } == coder.encode(segment))
    }

    @Test func widestShapeDecodesFromASample() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "32+16"))
        let segment = Self.randomBytes(100_003)
        let pieces = coder.encode(segment)
        for _ in 0..<20 {
            let lost = Array((0..<48).shuffled().prefix(Int.random(in: 1...16)))
            #expect(try coder.decode(Self.keep(pieces, without: lost), segmentLength: segment.count) == segment)
        }
    }

    @Test func emptySegmentIsOneZeroBytePerPiece() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "4+2"))
        let pieces = coder.encode([])
        #expect(pieces == Array(repeating: [0], count: 6))
        #expect(try coder.decode([4: [0], 5: [0], 0: [0], 1: [0]], segmentLength: 0) == [])
    }

    @Test func pieceSizeIsLengthOverKRoundedUp() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "4+2"))
        #expect(coder.pieceSize(forSegmentOf: 0) == 1)
        #expect(coder.pieceSize(forSegmentOf: 1) == 1)
        #expect(coder.pieceSize(forSegmentOf: 4) == 1)
        #expect(coder.pieceSize(forSegmentOf: 5) == 2)
        #expect(coder.pieceSize(forSegmentOf: 1 << 20) == 1 << 18)
    }

    @Test func dataPiecesAreTheSegmentPadded() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "4+2"))
        let pieces = coder.encode([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(Array(pieces[..<4]) == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 0, 0]])
    }

    /// The parity is the systematic Cauchy code ISA-L's gf_gen_cauchy1_matrix defines (row i, column j:
    /// 1 / (i xor j) in GF(2⁸) mod x⁸+x⁴+x³+x²+1), so stored pieces stay readable by any later version.
    @Test(arguments: ["2+1", "4+2", "10+4", "32+16"])
    func parityMatchesAReferenceCauchyCode(shape: String) throws {
        let coder = try ErasureCoder(Redundancy(parsing: shape))
        let k = coder.redundancy.dataPieces
        let segment = Self.randomBytes(k * 37 - 5)
        let pieces = coder.encode(segment)
        for row in k..<coder.redundancy.totalPieces {
            let expected = (0..<pieces[0].count).map { byte in
                (0..<k).reduce(UInt8(0)) { sum, j in
                    sum ^ GF256.multiply(GF256.inverse(UInt8(row ^ j)), pieces[j][byte])
                }
            }
            #expect(pieces[row] == expected, "parity row \(row)")
        }
    }

    @Test(arguments: shapes)
    func rebuildRegeneratesExactlyTheLostPieces(shape: String) throws {
        let coder = try ErasureCoder(Redundancy(parsing: shape))
        let pieces = coder.encode(Self.randomBytes(5000))
        let n = coder.redundancy.totalPieces
        for lost in Self.subsets(of: n, upTo: coder.redundancy.parityPieces) {
            let rebuilt = try coder.rebuild(Self.keep(pieces, without: lost), missing: lost)
            #expect(rebuilt == Dictionary(uniqueKeysWithValues: lost.map { ($0, pieces[$0]) }), "lost \(lost)")
        }
    }

    @Test func rebuildOfNothingIsEmpty() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "4+2"))
        let pieces = coder.encode(Self.randomBytes(100))
        #expect(try coder.rebuild(Self.keep(pieces, without: [0, 5]), missing: []).isEmpty)
    }

    @Test func rebuildRejectsAnIndexOutOfRange() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "4+2"))
        let pieces = Self.keep(coder.encode(Self.randomBytes(100)), without: [])
        for bad in [-1, 6] {
            let error = #expect(throws: StorageError.self) { try coder.rebuild(pieces, missing: [bad]) }
            #expect(error.map(Self.isCorrupt) == true)
        }
    }

    @Test(arguments: shapes)
    func tooFewPiecesThrows(shape: String) throws {
        let coder = try ErasureCoder(Redundancy(parsing: shape))
        let k = coder.redundancy.dataPieces
        let n = coder.redundancy.totalPieces
        let pieces = coder.encode(Self.randomBytes(999))
        let survivors = Self.keep(pieces, without: Array(0..<(n - k + 1)))
        #expect(throws: StorageError.tooFewPieces(have: k - 1, need: k)) {
            try coder.decode(survivors, segmentLength: 999)
        }
        #expect(throws: StorageError.tooFewPieces(have: k - 1, need: k)) {
            try coder.rebuild(survivors, missing: [0])
        }
        #expect(throws: StorageError.tooFewPieces(have: 0, need: k)) {
            try coder.decode([:], segmentLength: 999)
        }
    }

    @Test func aFlippedByteChangesTheSegment() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "4+2"))
        let segment = Self.randomBytes(4000)
        let pieces = coder.encode(segment)
        // From the data pieces, and through the inverted matrix from a parity piece.
        for (lost, flipped) in [([4, 5], 2), ([1, 5], 4)] {
            var survivors = Self.keep(pieces, without: lost)
            survivors[flipped]?[17] ^= 0x40
            let decoded = try coder.decode(survivors, segmentLength: segment.count)
            #expect(decoded.count == segment.count)
            #expect(decoded != segment, "lost \(lost), flipped a byte of piece \(flipped)")
        }
    }

    @Test func badPiecesAreCorrupt() throws {
        let coder = try ErasureCoder(Redundancy(parsing: "2+1"))
        let pieces = coder.encode(Self.randomBytes(10))
        let cases: [(String, [Int: [UInt8]], Int)] = [
            ("unequal lengths", [0: pieces[0], 1: pieces[1] + [0]], 10),
            ("index past n", [0: pieces[0], 3: pieces[1]], 10),
            ("negative index", [-1: pieces[0], 1: pieces[1]], 10),
            ("empty pieces", [0: [], 1: []], 0),
            ("segment longer than the pieces hold", [0: pieces[0], 1: pieces[1]], 11),
            ("segment much shorter", [0: pieces[0], 1: pieces[1]], 2),
            ("negative segment length", [0: pieces[0], 1: pieces[1]], -1),
        ]
        for (name, survivors, length) in cases {
            let error = #expect(throws: StorageError.self, "\(name)") {
                try coder.decode(survivors, segmentLength: length)
            }
            #expect(error.map(Self.isCorrupt) == true, "\(name): \(String(describing: error))")
        }
    }

    // MARK: Helpers

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Every set of at most `limit` of the indices 0..<n, as sorted arrays.
    static func subsets(of n: Int, upTo limit: Int) -> [[Int]] {
        var result: [[Int]] = [[]]
        for index in 0..<n {
            result += result.filter { $0.count < limit }.map { $0 + [index] }
        }
        return result
    }

    static func keep(_ pieces: [[UInt8]], without lost: [Int]) -> [Int: [UInt8]] {
        var kept: [Int: [UInt8]] = [:]
        for (index, piece) in pieces.enumerated() where !lost.contains(index) { kept[index] = piece }
        return kept
    }

    static func isCorrupt(_ error: StorageError) -> Bool {
        if case .corrupt = error { return true }
        return false
    }
}

/// Plain GF(2⁸) arithmetic modulo x⁸+x⁴+x³+x²+1 (0x11d), as a reference for the coder's output.
enum GF256 {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a
        var b = b
        var product: UInt8 = 0
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            a = (a << 1) ^ (a & 0x80 != 0 ? 0x1d : 0)
            b >>= 1
        }
        return product
    }

    static func inverse(_ a: UInt8) -> UInt8 {
        (1...255).lazy.map(UInt8.init).first { multiply(a, $0) == 1 } ?? 0
    }
}
