extension DqliteValue {
    /// The type code this value is sent with as a parameter.
    var wireType: WireProtocol.ValueType {
        switch self {
        case .integer: return .integer
        case .float: return .float
        case .text: return .text
        case .blob: return .blob
        case .null: return .null
        }
    }

    /// Decodes one row value of type `code` (see the type documentation for how the
    /// special time and boolean codes are mapped).
    static func decode(typeCode code: UInt8, from reader: inout MessageReader) throws -> DqliteValue {
        guard let type = WireProtocol.ValueType(rawValue: code) else {
            throw DqliteError.protocolViolation("unknown value type code \(code) in a row")
        }
        switch type {
        case .integer, .unixTime:
            return .integer(try reader.int64())
        case .float:
            return .float(try reader.float64())
        case .text:
            return .text(try reader.text())
        case .iso8601:
            let text = try reader.text()
            return text.isEmpty ? .null : .text(text)
        case .blob:
            return .blob(try reader.blob())
        case .null:
            _ = try reader.uint64()
            return .null
        case .boolean:
            return .integer(try reader.uint64() == 0 ? 0 : 1)
        }
    }
}
