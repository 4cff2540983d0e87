import BorgStorage
import Testing

struct FileKeyTests {
    @Test func randomKeysAre32BytesAndDiffer() {
        let a = FileKey.random()
        let b = FileKey.random()
        #expect(a.rawBytes.count == 32)
        #expect(a != b)
    }

    @Test func rawBytesRoundTrip() throws {
        let key = FileKey.random()
        #expect(try FileKey(rawBytes: key.rawBytes) == key)
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func otherLengthsAreMalformed(count: Int) {
        #expect(throws: StorageError.malformedCap("a file key must be 32 bytes, not \(count)")) {
            try FileKey(rawBytes: Array(repeating: 7, count: count))
        }
    }

    @Test func descriptionDoesNotShowTheKey() throws {
        let key = try FileKey(rawBytes: Array(repeating: 0xab, count: 32))
        #expect(!"\(key)".contains("171"))
        #expect(!"\(key)".lowercased().contains("ab"))
        #expect(!String(reflecting: key).contains("171"))
    }
}
