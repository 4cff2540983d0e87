import BorgStorage
import Foundation
import Testing

struct SegmentCipherTests {
    let key = FileKey.random()
    let fileID = ReadCap.newFileID()

    @Test(arguments: [0, 1, 1000, (1 << 20) + 3])
    func roundTrip(length: Int) throws {
        let plaintext = ErasureCoderTests.randomBytes(length)
        let sealed = SegmentCipher.seal(plaintext, segment: 3, of: 9, fileID: fileID, key: key)
        #expect(sealed.count == length + SegmentCipher.overhead)
        #expect(try Array(SegmentCipher.open(sealed, segment: 3, of: 9, fileID: fileID, key: key)) == plaintext)
    }

    @Test func overheadIsTheTag() {
        #expect(SegmentCipher.overhead == 16)
    }

    @Test func sealedTextNeverContainsThePlaintext() {
        let plaintext = Array(String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 200).utf8)
        let sealed = SegmentCipher.seal(plaintext, segment: 0, of: 9, fileID: fileID, key: key)
        let window = Array(plaintext[..<8])
        #expect(!sealed.indices.dropLast(7).contains { Array(sealed[$0..<($0 + 8)]) == window })
        #expect(Set(sealed).count > 200)
    }

    @Test func theNonceIsTheSegment() {
        let plaintext = ErasureCoderTests.randomBytes(100)
        let first = SegmentCipher.seal(plaintext, segment: 1, of: 9, fileID: fileID, key: key)
        #expect(SegmentCipher.seal(plaintext, segment: 1, of: 9, fileID: fileID, key: key) == first)
        #expect(SegmentCipher.seal(plaintext, segment: 2, of: 9, fileID: fileID, key: key) != first)
    }

    @Test func wrongKeySegmentFileOrLengthIsCorrupt() {
        let plaintext = ErasureCoderTests.randomBytes(1000)
        let sealed = SegmentCipher.seal(plaintext, segment: 5, of: 9, fileID: fileID, key: key)
        let attempts: [(String, () throws -> Data)] = [
            ("wrong key", { try SegmentCipher.open(sealed, segment: 5, of: 9, fileID: fileID, key: .random()) }),
            ("wrong segment", { try SegmentCipher.open(sealed, segment: 6, of: 9, fileID: fileID, key: key) }),
            ("wrong file", { try SegmentCipher.open(sealed, segment: 5, of: 9, fileID: ReadCap.newFileID(), key: key) }),
            // A layout that cuts the file short after this segment, or claims one segment more.
            ("file cut short", { try SegmentCipher.open(sealed, segment: 5, of: 6, fileID: fileID, key: key) }),
            ("file lengthened", { try SegmentCipher.open(sealed, segment: 5, of: 10, fileID: fileID, key: key) }),
        ]
        for (name, attempt) in attempts {
            let error = #expect(throws: StorageError.self, "\(name)") { try attempt() }
            #expect(error.map(ErasureCoderTests.isCorrupt) == true, "\(name)")
        }
    }

    @Test(arguments: [0, 500, 999, 1000, 1015])
    func aFlippedByteIsCorrupt(position: Int) {
        var sealed = SegmentCipher.seal(ErasureCoderTests.randomBytes(1000), segment: 0, of: 9, fileID: fileID, key: key)
        sealed[position] ^= 1
        let error = #expect(throws: StorageError.self) {
            try SegmentCipher.open(sealed, segment: 0, of: 9, fileID: fileID, key: key)
        }
        #expect(error.map(ErasureCoderTests.isCorrupt) == true)
    }

    @Test(arguments: [0, 15, 16, 1015])
    func truncatedIsCorrupt(length: Int) {
        let sealed = SegmentCipher.seal(ErasureCoderTests.randomBytes(1000), segment: 0, of: 9, fileID: fileID, key: key)
        let error = #expect(throws: StorageError.self) {
            try SegmentCipher.open(Array(sealed[..<length]), segment: 0, of: 9, fileID: fileID, key: key)
        }
        #expect(error.map(ErasureCoderTests.isCorrupt) == true)
    }

    @Test(arguments: ["report.pdf", "", "Ünïcødé ✓ name with spaces/and/slashes"])
    func nameRoundTrip(name: String) throws {
        let sealed = SegmentCipher.sealName(name, key: key)
        #expect(try SegmentCipher.openName(sealed, key: key) == name)
        #expect(sealed.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func sealedNamesHideTheNameAndDiffer() {
        let first = SegmentCipher.sealName("secret-plans", key: key)
        #expect(!first.contains("secret"))
        #expect(SegmentCipher.sealName("secret-plans", key: key) != first)
    }

    @Test func nameUnderAnotherKeyOrAlteredIsCorrupt() {
        let sealed = SegmentCipher.sealName("notes.txt", key: key)
        var altered = Array(sealed)
        altered[20] = altered[20] == "A" ? "B" : "A"
        for (text, key) in [(sealed, FileKey.random()), (String(altered), key), ("not base64!", key), ("", key),
            (String(sealed.dropLast(4)), key)]
        {
            let error = #expect(throws: StorageError.self) { try SegmentCipher.openName(text, key: key) }
            #expect(error.map(ErasureCoderTests.isCorrupt) == true, "\(text)")
        }
    }
}
