/// Reads the little-endian, word-aligned body of one response. Every read is bounds
/// checked and throws `.protocolViolation` instead of trapping.
struct MessageReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(body: [UInt8]) {
        bytes = body
    }

    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int) throws -> Range<Int> {
        guard count >= 0, bytes.count - offset >= count else {
            throw DqliteError.protocolViolation(
                "reply body ends early: wanted \(count) bytes at offset \(offset) of \(bytes.count)")
        }
        defer { offset += count }
        return offset..<(offset + count)
    }

    mutating func uint8() throws -> UInt8 {
        bytes[try take(1).lowerBound]
    }

    mutating func uint32() throws -> UInt32 {
        let range = try take(4)
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt32.self)) }
    }

    mutating func uint64() throws -> UInt64 {
        let range = try take(8)
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self)) }
    }

    /// The next u64 without consuming it.
    func peekUInt64() throws -> UInt64 {
        var copy = self
        return try copy.uint64()
    }

    mutating func int64() throws -> Int64 { Int64(bitPattern: try uint64()) }

    mutating func float64() throws -> Double { Double(bitPattern: try uint64()) }

    /// NUL-terminated UTF-8 padded to a word boundary.
    mutating func text() throws -> String {
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw DqliteError.protocolViolation("unterminated text at offset \(offset)")
        }
        let start = offset
        _ = try take(WireProtocol.padded(end - start + 1))
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// A u64 length, then that many bytes padded to a word boundary.
    mutating func blob() throws -> [UInt8] {
        let length = try uint64()
        guard length <= UInt64(bytes.count - offset) else {
            throw DqliteError.protocolViolation("blob of \(length) bytes overruns the reply")
        }
        let range = try take(WireProtocol.padded(Int(length)))
        return Array(bytes[range.lowerBound..<(range.lowerBound + Int(length))])
    }

    /// Skips `count` bytes (padding).
    mutating func skip(_ count: Int) throws {
        _ = try take(count)
    }

    /// Throws unless the whole body was consumed.
    func expectEnd(of what: String) throws {
        guard isAtEnd else {
            throw DqliteError.protocolViolation("\(bytes.count - offset) unexpected trailing bytes in \(what) reply")
        }
    }
}
