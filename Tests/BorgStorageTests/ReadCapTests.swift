import BorgStorage
import Testing

struct ReadCapTests {
    @Test func printsAndParsesBack() throws {
        let cap = ReadCap(fileID: ReadCap.newFileID(), key: .random())
        let text = cap.description
        #expect(text.hasPrefix("borg-read:\(cap.fileID):"))
        #expect(!text.contains("="))
        #expect(text.count == "borg-read:".count + 32 + 1 + 43)
        #expect(try ReadCap(parsing: text) == cap)
        #expect(try ReadCap(parsing: "  \(text)\n") == cap)
    }

    @Test func knownText() throws {
        let key = try FileKey(rawBytes: Array(0..<32))
        let cap = ReadCap(fileID: String(repeating: "0f", count: 16), key: key)
        #expect(cap.description == "borg-read:0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
    }

    @Test(arguments: [
        "", "borg-read", "borg-read:", "borg-read::", "borg-write:0123456789abcdef0123456789abcdef:AAEC",
        "borg-read:0123456789abcdef0123456789abcdef", "borg-read:0123456789abcdef0123456789abcdef:x:y",
        "borg-read:0123456789ABCDEF0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "borg-read:0123456789abcdef0123456789abcde:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "borg-read:0123456789abcdef0123456789abcdeg:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "borg-read:0123456789abcdef0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "borg-read:0123456789abcdef0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+",
        "borg-read:0123456789abcdef0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",
        "borg-read:0123456789abcdef0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg",
        "borg-read:0123456789abcdef0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ",
        "BORG-READ:0123456789abcdef0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
    ])
    func malformedTextIsRejected(text: String) {
        let error = #expect(throws: StorageError.self) { try ReadCap(parsing: text) }
        guard case .malformedCap(let message) = error else {
            Issue.record("expected malformedCap, got \(String(describing: error))")
            return
        }
        #expect(!message.contains("AAEC"), "the message must not repeat the key")
    }

    @Test func messagesSayWhatIsWrong() {
        #expect(throws: StorageError.malformedCap("not a read-cap: expected borg-read:<file>:<key>")) {
            try ReadCap(parsing: "hello")
        }
        #expect(throws: StorageError.malformedCap("a file key must be 32 bytes, not 30")) {
            try ReadCap(parsing: "borg-read:0123456789abcdef0123456789abcdef:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd")
        }
    }

    @Test func fileIDs() {
        #expect(ReadCap.isFileID("0123456789abcdef0123456789abcdef"))
        #expect(!ReadCap.isFileID("0123456789abcdef0123456789abcde"))
        #expect(!ReadCap.isFileID("0123456789abcdef0123456789abcdef0"))
        #expect(!ReadCap.isFileID("0123456789ABCDEF0123456789abcdef"))
        #expect(!ReadCap.isFileID("../3456789abcdef0123456789abcdef"))
        #expect(!ReadCap.isFileID(""))
        let ids = (0..<100).map { _ in ReadCap.newFileID() }
        #expect(ids.allSatisfy(ReadCap.isFileID))
        #expect(Set(ids).count == 100)
    }
}
