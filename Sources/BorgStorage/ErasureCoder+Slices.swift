import CISAL

extension ErasureCoder {
    /// The n pieces of a segment without copying its data: data piece i is the slice of the segment it
    /// covers when that lies within the segment whole (a zero-padded copy when it runs past the end), then
    /// the m parity pieces, computed from the segment's bytes where they lie. Same bytes as ``encode(_:)``.
    public func pieces(of segment: [UInt8]) -> [ArraySlice<UInt8>] {
        let k = redundancy.dataPieces
        let size = pieceSize(forSegmentOf: segment.count)
        let data: [ArraySlice<UInt8>] = (0..<k).map { i in
            let start = min(i * size, segment.count)
            let end = min(start + size, segment.count)
            guard end - start < size else { return segment[start..<end] }
            var padded = [UInt8](repeating: 0, count: size)
            padded.replaceSubrange(0..<(end - start), with: segment[start..<end])
            return padded[...]
        }
        let parity = Self.makePieces(count: redundancy.parityPieces, length: size) { buffers in
            Self.withSlicePointers(to: data) { sources in
                Self.code(length: size, tables: parityTables, sources: k, pointers: sources + buffers.map(\.baseAddress))
            }
        }
        return data + parity.map { $0[...] }
    }

    /// Calls `body` with pointers to the bytes of all `slices` at once (ISA-L reads them, never writes).
    static func withSlicePointers<Result>(
        to slices: [ArraySlice<UInt8>], _ body: ([UnsafeMutablePointer<UInt8>?]) -> Result
    ) -> Result {
        var pointers: [UnsafeMutablePointer<UInt8>?] = []
        pointers.reserveCapacity(slices.count)
        return withSlicePointers(to: slices, collected: &pointers, body)
    }

    private static func withSlicePointers<Result>(
        to slices: [ArraySlice<UInt8>], collected pointers: inout [UnsafeMutablePointer<UInt8>?],
        _ body: ([UnsafeMutablePointer<UInt8>?]) -> Result
    ) -> Result {
        guard pointers.count < slices.count else { return body(pointers) }
        return slices[pointers.count].withUnsafeBufferPointer { buffer in
            pointers.append(UnsafeMutablePointer(mutating: buffer.baseAddress))
            return withSlicePointers(to: slices, collected: &pointers, body)
        }
    }
}
