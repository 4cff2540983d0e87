import Crypto
import Foundation

/// AES-256-GCM encryption of segments and names under a ``FileKey``.
///
/// A segment's nonce is its index (12 bytes, big-endian), so nothing but the tag is stored with it; the
/// additional data is the file id, the segment index and the file's number of segments, so a piece moved to
/// another file or position fails to open, and so does every segment of a file cut short or lengthened by a
/// forged layout. A key must therefore seal each segment index of one file only once.
public enum SegmentCipher {
    /// Bytes a sealed segment has beyond its plaintext: the 16-byte tag (sealed = ciphertext ‖ tag).
    public static let overhead = 16

    /// Segment `segment` of the `segments` of file `fileID`, encrypted and authenticated.
    public static func seal(_ plaintext: [UInt8], segment: Int, of segments: Int, fileID: String, key: FileKey) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(
                plaintext, using: key.segmentKey, nonce: nonce(segment),
                authenticating: additionalData(segment: segment, of: segments, fileID: fileID))
            var sealed: [UInt8] = []
            sealed.reserveCapacity(plaintext.count + overhead)
            sealed.append(contentsOf: box.ciphertext)
            sealed.append(contentsOf: box.tag)
            return sealed
        } catch {
            preconditionFailure("AES-GCM cannot fail with a 256-bit key and a 12-byte nonce: \(error)")
        }
    }

    /// The plaintext of a sealed segment; ``StorageError/corrupt(_:)`` if it does not authenticate as
    /// segment `segment` of the `segments` of file `fileID` under `key`.
    public static func open(_ sealed: [UInt8], segment: Int, of segments: Int, fileID: String, key: FileKey) throws -> Data {
        guard sealed.count >= overhead else {
            throw StorageError.corrupt(
                "segment \(segment) of file \(fileID) is \(sealed.count) bytes, shorter than its \(overhead)-byte tag")
        }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: nonce(segment), ciphertext: sealed[..<(sealed.count - overhead)],
                tag: sealed[(sealed.count - overhead)...])
            let aad = additionalData(segment: segment, of: segments, fileID: fileID)
            return try AES.GCM.open(box, using: key.segmentKey, authenticating: aad)
        } catch {
            throw StorageError.corrupt(
                "segment \(segment) of file \(fileID) fails authentication: the key is wrong, or its pieces were altered or belong to another file or segment")
        }
    }

    /// The file's name encrypted under a random nonce, as base64url text of nonce ‖ ciphertext ‖ tag.
    public static func sealName(_ name: String, key: FileKey) -> String {
        do {
            let box = try AES.GCM.seal(Array(name.utf8), using: key.nameKey)
            var sealed = box.nonce.withUnsafeBytes { Array($0) }
            sealed.append(contentsOf: box.ciphertext)
            sealed.append(contentsOf: box.tag)
            return Base64URL.encode(sealed)
        } catch {
            preconditionFailure("AES-GCM cannot fail with a 256-bit key and a random nonce: \(error)")
        }
    }

    /// The name in text from ``sealName(_:key:)``; ``StorageError/corrupt(_:)`` if it is not such text or
    /// does not authenticate under `key`.
    public static func openName(_ sealed: String, key: FileKey) throws -> String {
        guard let bytes = Base64URL.decode(sealed), bytes.count >= 12 + overhead else {
            throw StorageError.corrupt("the sealed name is not base64url text of a sealed name")
        }
        let plaintext: Data
        do {
            plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: bytes), using: key.nameKey)
        } catch {
            throw StorageError.corrupt("the sealed name fails authentication: the key is wrong or the name was altered")
        }
        guard let name = String(validating: plaintext, as: UTF8.self) else {
            throw StorageError.corrupt("the sealed name is not UTF-8 text")
        }
        return name
    }

    /// The segment index as a 12-byte big-endian nonce.
    private static func nonce(_ segment: Int) throws -> AES.GCM.Nonce {
        try AES.GCM.Nonce(data: [0, 0, 0, 0] + bigEndian(segment))
    }

    /// The segment index and the number of segments (8 bytes each, big-endian), then the file id's bytes;
    /// the fixed-length numbers make the triple unambiguous.
    private static func additionalData(segment: Int, of segments: Int, fileID: String) -> [UInt8] {
        bigEndian(segment) + bigEndian(segments) + Array(fileID.utf8)
    }

    private static func bigEndian(_ value: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(truncatingIfNeeded: value).bigEndian) { Array($0) }
    }
}
