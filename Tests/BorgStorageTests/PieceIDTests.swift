import BorgStorage
import Testing

struct PieceIDTests {
    static let file = "0123456789abcdef0123456789abcdef"

    @Test(arguments: [(0, 0), (7, 2), (16_777_215, 47)])
    func printsAndParsesBack(segment: Int, index: Int) throws {
        let id = PieceID(fileID: Self.file, segment: segment, index: index)
        #expect(id.description == "\(Self.file).\(segment).\(index)")
        #expect(try PieceID(parsing: id.description) == id)
    }

    @Test(arguments: [
        "", "../x", "a/b", "..", "\(file)", "\(file).1", "\(file).1.2.3", "\(file)..2", "\(file).1.",
        "\(file).16777216.0", "\(file).0.48", "\(file).99999999999999999999.0", "\(file).0.99999999999999999999",
        "\(file).01.2", "\(file).1.02", "\(file).-1.2", "\(file).+1.2", "\(file). 1.2", "\(file).1.2\n",
        "\(file).١.2", "\(file).1/../2.3", "../../etc/passwd.0.0", "0123456789ABCDEF0123456789abcdef.0.0",
        "0123456789abcdef0123456789abcde.0.0", "0123456789abcdef0123456789abcdef0.0.0",
    ])
    func rejectsAnythingElse(text: String) {
        let error = #expect(throws: StorageError.self) { try PieceID(parsing: text) }
        guard case .malformedPieceID = error else {
            Issue.record("expected malformedPieceID for \(text), got \(String(describing: error))")
            return
        }
    }

    @Test func messageShowsALongNameCut() {
        let error = #expect(throws: StorageError.self) { try PieceID(parsing: String(repeating: "x", count: 10_000)) }
        #expect((error?.description.count ?? .max) < 300)
    }
}
