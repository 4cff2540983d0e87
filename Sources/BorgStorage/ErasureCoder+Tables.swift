import CISAL

/// The GF(2⁸) matrix work and the calls into ISA-L behind ``ErasureCoder``.
extension ErasureCoder {
    /// The coefficients that compute the pieces at `targets` from the k pieces at `sources`, row-major
    /// (`targets.count` × k): the target rows of the coding matrix times the inverse of the source rows.
    func coefficients(of targets: [Int], from sources: [Int]) throws -> [UInt8] {
        let k = redundancy.dataPieces
        let targetRows = targets.flatMap { matrix[($0 * k)..<($0 * k + k)] }
        if sources == Array(0..<k) { return targetRows }
        var sourceRows = sources.flatMap { matrix[($0 * k)..<($0 * k + k)] }
        var inverse = [UInt8](repeating: 0, count: k * k)
        let status = gf_invert_matrix(&sourceRows, &inverse, Int32(k))
        guard status == 0 else {
            throw StorageError.corrupt("the coding rows of pieces \(sources) are singular; this is a bug")
        }
        var product = [UInt8](repeating: 0, count: targets.count * k)
        for t in targets.indices {
            for c in 0..<k {
                var sum: UInt8 = 0
                for j in 0..<k { sum ^= gf_mul(targetRows[t * k + j], inverse[j * k + c]) }
                product[t * k + c] = sum
            }
        }
        return product
    }

    /// ISA-L's expanded tables (32 bytes per coefficient) for a rows × `sources` coefficient matrix.
    static func tables(_ coefficients: [UInt8], sources: Int) -> [UInt8] {
        var coefficients = coefficients
        var tables = [UInt8](repeating: 0, count: 32 * coefficients.count)
        ec_init_tables(Int32(sources), Int32(coefficients.count / sources), &coefficients, &tables)
        return tables
    }

    /// Bytes of each piece per call into ISA-L (whose lengths are C `int`s); encoding copies the segment
    /// into the data pieces a chunk at a time, just before coding it.
    static let chunk = 256 << 10

    /// Computes the pieces at `pointers[sources...]` (each `length` bytes) from those at
    /// `pointers[..<sources]` with the tables of a coefficient matrix of that shape, a chunk at a time;
    /// `prepare` first fills each chunk's range of the sources.
    static func code(
        length: Int, tables: [UInt8], sources: Int, pointers: [UnsafeMutablePointer<UInt8>?],
        prepare: (Range<Int>) -> Void = { _ in }
    ) {
        tables.withUnsafeBufferPointer { tables in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<UInt8>?.self, capacity: pointers.count) { moved in
                for offset in stride(from: 0, to: length, by: chunk) {
                    let range = offset..<min(offset + chunk, length)
                    prepare(range)
                    for (i, pointer) in pointers.enumerated() { moved[i] = pointer?.advanced(by: offset) }
                    ec_encode_data(
                        Int32(range.count), Int32(sources), Int32(pointers.count - sources),
                        UnsafeMutablePointer(mutating: tables.baseAddress), moved.baseAddress,
                        moved.baseAddress?.advanced(by: sources))
                }
            }
        }
    }

    /// Calls `fill` with n fresh buffers of `length` bytes, which it must initialize, and returns them as
    /// arrays (no copy: each buffer is an array's own storage).
    static func makePieces(
        count: Int, length: Int, fill: ([UnsafeMutableBufferPointer<UInt8>]) -> Void
    ) -> [[UInt8]] {
        var buffers: [UnsafeMutableBufferPointer<UInt8>] = []
        buffers.reserveCapacity(count)
        var pieces = makePieces(count: count, length: length, buffers: &buffers, fill: fill)
        pieces.reverse()
        return pieces
    }

    /// Nests one array initializer per piece so that all the buffers are alive when `fill` runs; returns
    /// the pieces last first.
    private static func makePieces(
        count: Int, length: Int, buffers: inout [UnsafeMutableBufferPointer<UInt8>],
        fill: ([UnsafeMutableBufferPointer<UInt8>]) -> Void
    ) -> [[UInt8]] {
        guard buffers.count < count else {
            fill(buffers)
            var pieces: [[UInt8]] = []
            pieces.reserveCapacity(count)
            return pieces
        }
        var later: [[UInt8]] = []
        let piece = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            buffers.append(UnsafeMutableBufferPointer(rebasing: buffer[..<length]))
            later = makePieces(count: count, length: length, buffers: &buffers, fill: fill)
            initialized = length
        }
        later.append(piece)
        return later
    }

    /// Calls `body` with pointers to the bytes of all `arrays` at once (ISA-L reads them, never writes).
    static func withPointers<Result>(
        to arrays: [[UInt8]], _ body: ([UnsafeMutablePointer<UInt8>?]) throws -> Result
    ) rethrows -> Result {
        var pointers: [UnsafeMutablePointer<UInt8>?] = []
        pointers.reserveCapacity(arrays.count)
        return try withPointers(to: arrays, collected: &pointers, body)
    }

    private static func withPointers<Result>(
        to arrays: [[UInt8]], collected pointers: inout [UnsafeMutablePointer<UInt8>?],
        _ body: ([UnsafeMutablePointer<UInt8>?]) throws -> Result
    ) rethrows -> Result {
        guard pointers.count < arrays.count else { return try body(pointers) }
        return try arrays[pointers.count].withUnsafeBufferPointer { buffer in
            pointers.append(UnsafeMutablePointer(mutating: buffer.baseAddress))
            return try withPointers(to: arrays, collected: &pointers, body)
        }
    }
}
