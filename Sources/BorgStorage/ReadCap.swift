import Foundation

/// What a file's owner keeps to read it: the file id and its key, written
/// `borg-read:<fileID>:<base64url key without padding>`. Whoever holds it can read the file.
public struct ReadCap: Sendable, Hashable, CustomStringConvertible {
    /// 32 lowercase hex characters (see ``isFileID(_:)``).
    public let fileID: String
    public let key: FileKey

    public init(fileID: String, key: FileKey) {
        self.fileID = fileID
        self.key = key
    }

    /// Parses the text form (surrounding whitespace ignored); ``StorageError/malformedCap(_:)`` otherwise.
    /// The message never repeats the text, which may hold a key.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "borg-read" else {
            throw StorageError.malformedCap("not a read-cap: expected borg-read:<file>:<key>")
        }
        guard Self.isFileID(String(parts[1])) else {
            throw StorageError.malformedCap("the file id of a read-cap must be 32 lowercase hex characters")
        }
        guard let raw = Base64URL.decode(parts[2]) else {
            throw StorageError.malformedCap("the key of a read-cap must be base64url text without padding")
        }
        try self.init(fileID: String(parts[1]), key: FileKey(rawBytes: raw))
    }

    public var description: String { "borg-read:\(fileID):\(Base64URL.encode(key.rawBytes))" }

    /// Whether `text` is a file id: 32 lowercase hex characters.
    public static func isFileID(_ text: String) -> Bool {
        text.utf8.count == 32
            && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A new file id: 128 random bits as 32 lowercase hex characters.
    public static func newFileID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<32).map { _ in digits[Int(generator.next() % 16)] }, as: UTF8.self)
    }
}
