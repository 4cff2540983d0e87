/// Builds one request: an 8-byte header (`u32` body words, `u8` type, `u8` schema,
/// `u16` extra) followed by a word-aligned little-endian body.
struct MessageWriter {
    private(set) var bytes = [UInt8](repeating: 0, count: WireProtocol.wordSize)

    /// Body length so far, in bytes.
    var bodyCount: Int { bytes.count - WireProtocol.wordSize }

    mutating func uint8(_ value: UInt8) { bytes.append(value) }

    mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func uint64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int64(_ value: Int64) { uint64(UInt64(bitPattern: value)) }

    mutating func float64(_ value: Double) { uint64(value.bitPattern) }

    /// NUL-terminated UTF-8, zero-padded to a word boundary.
    mutating func text(_ value: String, what: @autoclosure () -> String) throws {
        let utf8 = Array(value.utf8)
        if utf8.contains(0) {
            throw DqliteError.invalidArgument("\(what()) contains a NUL character, which the protocol cannot carry")
        }
        bytes.append(contentsOf: utf8)
        bytes.append(0)
        padToWord()
    }

    /// A u64 length, then the bytes zero-padded to a word boundary.
    mutating func blob(_ value: [UInt8]) {
        uint64(UInt64(value.count))
        bytes.append(contentsOf: value)
        padToWord()
    }

    mutating func padToWord() {
        let target = WireProtocol.wordSize + WireProtocol.padded(bodyCount)
        bytes.append(contentsOf: repeatElement(0, count: target - bytes.count))
    }

    /// Fills in the header and returns the complete message.
    func message(type: WireProtocol.Request) throws -> [UInt8] {
        precondition(bodyCount > 0 && bodyCount % WireProtocol.wordSize == 0, "unaligned request body")
        let words = bodyCount / WireProtocol.wordSize
        guard words <= Int(UInt32.max) else {
            throw DqliteError.invalidArgument("request of \(bodyCount) bytes is too large for the protocol")
        }
        var result = bytes
        withUnsafeBytes(of: UInt32(words).littleEndian) { header in
            for index in 0..<4 { result[index] = header[index] }
        }
        result[4] = type.rawValue
        return result
    }
}
