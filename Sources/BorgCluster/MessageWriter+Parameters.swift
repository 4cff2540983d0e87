extension MessageWriter {
    /// Encodes a parameter tuple (dqlite `src/tuple.h`, params format): one byte with
    /// the count, one type byte per value, zero padding to a word boundary (the
    /// count byte included), then the values. No parameters: nothing at all, which
    /// the server reads as "nothing to bind".
    mutating func parameters(_ values: [DqliteValue]) throws {
        guard !values.isEmpty else { return }
        guard values.count <= WireProtocol.maxParameters else {
            throw DqliteError.invalidArgument(
                "\(values.count) parameters given; dqlite 1.11 binds at most \(WireProtocol.maxParameters) per statement")
        }
        uint8(UInt8(values.count))
        for value in values {
            uint8(value.wireType.rawValue)
        }
        padToWord()
        for (index, value) in values.enumerated() {
            switch value {
            case let .integer(integer): int64(integer)
            case let .float(double): float64(double)
            case let .text(string): try text(string, what: "text parameter \(index + 1)")
            case let .blob(bytes): blob(bytes)
            case .null: uint64(0)
            }
        }
    }
}
