import CISAL

/// Reed–Solomon erasure coding over GF(2⁸) with a Cauchy matrix, by Intel ISA-L.
///
/// A segment is zero-padded and cut into k data pieces; m parity pieces follow. Any k of the n pieces
/// give back the segment. The coding is not authenticated: a changed byte decodes to a changed segment,
/// which the ``SegmentCipher`` then refuses.
public struct ErasureCoder: Sendable {
    public let redundancy: Redundancy
    /// The n × k coding matrix, row-major: the identity for the data pieces, then the Cauchy rows.
    let matrix: [UInt8]
    /// ISA-L's expanded tables of the parity rows (32 · k · m bytes), built once.
    let parityTables: [UInt8]

    public init(_ redundancy: Redundancy) {
        let k = redundancy.dataPieces
        let n = redundancy.totalPieces
        var matrix = [UInt8](repeating: 0, count: n * k)
        matrix.withUnsafeMutableBufferPointer { gf_gen_cauchy1_matrix($0.baseAddress, Int32(n), Int32(k)) }
        self.redundancy = redundancy
        self.matrix = matrix
        parityTables = Self.tables(Array(matrix[(k * k)...]), sources: k)
    }

    /// Bytes of each piece for a segment of `length` bytes: ⌈length / k⌉, at least 1.
    public func pieceSize(forSegmentOf length: Int) -> Int {
        max(1, (length + redundancy.dataPieces - 1) / redundancy.dataPieces)
    }

    /// The n pieces of a segment, each ``pieceSize(forSegmentOf:)`` bytes: the segment zero-padded and
    /// cut into k data pieces, then m parity pieces.
    public func encode(_ segment: [UInt8]) -> [[UInt8]] {
        let k = redundancy.dataPieces
        let size = pieceSize(forSegmentOf: segment.count)
        return segment.withUnsafeBufferPointer { source in
            Self.makePieces(count: redundancy.totalPieces, length: size) { pieces in
                let pointers = pieces.map { $0.baseAddress }
                Self.code(length: size, tables: parityTables, sources: k, pointers: pointers) { range in
                    for i in 0..<k {
                        // This chunk of data piece i: the segment's bytes, then zeros past its end.
                        let start = min(i * size + range.lowerBound, segment.count)
                        let end = min(i * size + range.upperBound, segment.count)
                        let filled = range.lowerBound + (end - start)
                        _ = pieces[i][range.lowerBound..<filled].initialize(fromContentsOf: source[start..<end])
                        pieces[i][filled..<range.upperBound].initialize(repeating: 0)
                    }
                }
            }
        }
    }

    /// The segment, its first `segmentLength` bytes, from any k of its pieces keyed by index (0..<n).
    ///
    /// Throws ``StorageError/tooFewPieces(have:need:)`` with fewer than k pieces, and
    /// ``StorageError/corrupt(_:)`` for an index out of range, pieces of unequal lengths, or a length
    /// that does not fit `segmentLength`.
    public func decode(_ pieces: [Int: [UInt8]], segmentLength: Int) throws -> [UInt8] {
        let size = try pieceLength(of: pieces)
        return try [UInt8](unsafeUninitializedCapacity: redundancy.dataPieces * size) { output, count in
            try decode(pieces, segmentLength: segmentLength, into: UnsafeMutableRawBufferPointer(output))
            count = segmentLength
        }
    }

    /// Decodes as ``decode(_:segmentLength:)`` does into `output`, which must hold k pieces (the padding past
    /// the segment is written too); a reader uses it to decode straight into the buffer it decrypts.
    public func decode(_ pieces: [Int: [UInt8]], segmentLength: Int, into output: UnsafeMutableRawBufferPointer) throws {
        let k = redundancy.dataPieces
        let size = try pieceLength(of: pieces)
        guard segmentLength >= 0, pieceSize(forSegmentOf: segmentLength) == size else {
            throw StorageError.corrupt(
                "pieces of \(size) bytes cannot hold a segment of \(segmentLength) bytes at \(redundancy)")
        }
        precondition(output.count >= k * size, "decode needs room for \(k) pieces of \(size) bytes")
        let missing = (0..<k).filter { pieces[$0] == nil }
        let sources = sourceIndices(pieces)
        let tables = missing.isEmpty ? [] : Self.tables(try coefficients(of: missing, from: sources), sources: k)
        guard size > 0, let room = output.baseAddress else { return }
        // Every data piece goes to its place in the k pieces' room, then the missing ones are coded there.
        for (i, piece) in pieces where i < k {
            piece.withUnsafeBytes { bytes in
                if let source = bytes.baseAddress { room.advanced(by: i * size).copyMemory(from: source, byteCount: size) }
            }
        }
        if !missing.isEmpty {
            Self.withPointers(to: sources.compactMap { pieces[$0] }) { inputs in
                let outputs = missing.map { room.advanced(by: $0 * size).assumingMemoryBound(to: UInt8.self) }
                Self.code(length: size, tables: tables, sources: k, pointers: inputs + outputs)
            }
        }
    }

    /// The pieces at the `missing` indices, rebuilt from any k pieces keyed by index (0..<n). Repair uses it
    /// on ciphertext pieces; it needs no key.
    public func rebuild(_ pieces: [Int: [UInt8]], missing: [Int]) throws -> [Int: [UInt8]] {
        let n = redundancy.totalPieces
        if let bad = missing.first(where: { !(0..<n).contains($0) }) {
            throw StorageError.corrupt("cannot rebuild piece \(bad): pieces are numbered 0..<\(n) at \(redundancy)")
        }
        let size = try pieceLength(of: pieces)
        let targets = Set(missing).sorted()
        guard !targets.isEmpty else { return [:] }
        let sources = sourceIndices(pieces)
        let tables = Self.tables(try coefficients(of: targets, from: sources), sources: redundancy.dataPieces)
        let rebuilt = Self.withPointers(to: sources.compactMap { pieces[$0] }) { inputs in
            Self.makePieces(count: targets.count, length: size) { outputs in
                let pointers = inputs + outputs.map { $0.baseAddress }
                Self.code(length: size, tables: tables, sources: inputs.count, pointers: pointers)
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(targets, rebuilt))
    }

    /// The common length of the pieces, after checking their indices, lengths and number.
    private func pieceLength(of pieces: [Int: [UInt8]]) throws -> Int {
        let n = redundancy.totalPieces
        if let bad = pieces.keys.first(where: { !(0..<n).contains($0) }) {
            throw StorageError.corrupt(
                "piece index \(bad) is out of range: pieces are numbered 0..<\(n) at \(redundancy)")
        }
        let size = pieces.first?.value.count ?? 0
        guard pieces.values.allSatisfy({ $0.count == size }) else {
            let lengths = Set(pieces.values.map(\.count)).sorted()
            throw StorageError.corrupt("the pieces of a segment have unequal lengths \(lengths)")
        }
        guard pieces.count >= redundancy.dataPieces else {
            throw StorageError.tooFewPieces(have: pieces.count, need: redundancy.dataPieces)
        }
        guard size > 0 else { throw StorageError.corrupt("the pieces are empty") }
        return size
    }

    /// The k pieces to decode from: data pieces first (they need no arithmetic), then parity, by index.
    private func sourceIndices(_ pieces: [Int: [UInt8]]) -> [Int] {
        Array(pieces.keys.sorted().prefix(redundancy.dataPieces))
    }
}
