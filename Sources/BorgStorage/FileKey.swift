import Crypto

/// A file's random 256-bit key. Its segments and its name are encrypted under subkeys derived from it with
/// HKDF-SHA256 (info `borg segments` and `borg name`).
public struct FileKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 key bytes (as written in a ``ReadCap``).
    public let rawBytes: [UInt8]
    /// The subkeys' bytes (crypto keys are not `Sendable`, bytes are).
    private let segmentKeyBytes: [UInt8]
    private let nameKeyBytes: [UInt8]

    /// Encrypts the segments.
    var segmentKey: SymmetricKey { SymmetricKey(data: segmentKeyBytes) }
    /// Encrypts the name.
    var nameKey: SymmetricKey { SymmetricKey(data: nameKeyBytes) }

    /// A new key from the system's secure random source.
    public static func random() -> FileKey {
        FileKey(checked: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// The key of these 32 bytes; any other length throws ``StorageError/malformedCap(_:)``.
    public init(rawBytes: [UInt8]) throws {
        guard rawBytes.count == 32 else {
            throw StorageError.malformedCap("a file key must be 32 bytes, not \(rawBytes.count)")
        }
        self.init(checked: rawBytes)
    }

    private init(checked rawBytes: [UInt8]) {
        self.rawBytes = rawBytes
        let key = SymmetricKey(data: rawBytes)
        segmentKeyBytes = Self.subkey(of: key, info: "borg segments")
        nameKeyBytes = Self.subkey(of: key, info: "borg name")
    }

    private static func subkey(of key: SymmetricKey, info: String) -> [UInt8] {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array(info.utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
    }

    /// Never the key itself, so that logging a value that holds one does not leak it.
    public var description: String { "FileKey(redacted)" }

    public static func == (lhs: FileKey, rhs: FileKey) -> Bool { lhs.rawBytes == rhs.rawBytes }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawBytes) }
}
