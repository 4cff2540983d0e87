extension MessageReader {
    /// Decodes one ROWS body (column count, column names, rows in row-tuple format,
    /// then a DONE or PART marker), appending its rows to `rows`.
    ///
    /// Row headers hold one 4-bit type code per column, two per byte (first column in
    /// the low nibble), padded to a word boundary; values follow one after another.
    /// Returns the column names and whether another ROWS message follows.
    mutating func rowsBatch(into rows: inout [[DqliteValue]]) throws -> (columns: [String], more: Bool) {
        let count = try uint64()
        guard count > 0, count <= UInt64(Int32.max) else {
            throw DqliteError.protocolViolation("ROWS reply with \(count) columns")
        }
        let columnCount = Int(count)
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for _ in 0..<columnCount {
            columns.append(try text())
        }
        let headerBytes = (columnCount + 1) / 2
        let headerSize = WireProtocol.padded(headerBytes)
        while true {
            let next = try peekUInt64()
            if next == WireProtocol.rowsDone || next == WireProtocol.rowsPart {
                _ = try uint64()
                try expectEnd(of: "ROWS")
                return (columns, next == WireProtocol.rowsPart)
            }
            var header: [UInt8] = []
            header.reserveCapacity(headerBytes)
            for _ in 0..<headerBytes {
                header.append(try uint8())
            }
            try skip(headerSize - headerBytes)
            var row: [DqliteValue] = []
            row.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                let code = (header[column / 2] >> (column % 2 == 0 ? 0 : 4)) & 0x0f
                row.append(try DqliteValue.decode(typeCode: code, from: &self))
            }
            rows.append(row)
        }
    }
}
