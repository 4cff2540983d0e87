import BorgStorage
import Foundation
import Testing

struct PieceOrderTests {
    static let file = "0123456789abcdef0123456789abcdef"
    let order = PieceOrder(fileID: file, host: 7, actions: [.put, .get], maxPieceBytes: 1000, expires: 2e9)
    let piece = PieceID(fileID: file, segment: 3, index: 1)

    @Test func allowsWhatItNames() {
        #expect(order.allows(.put, on: piece, host: 7, bytes: 1000))
        #expect(order.allows(.put, on: piece, host: 7, bytes: 0))
        #expect(order.allows(.get, on: piece, host: 7, bytes: nil))
    }

    @Test func checksTheAction() {
        #expect(!order.allows(.delete, on: piece, host: 7, bytes: nil))
    }

    @Test func checksTheFile() {
        let other = PieceID(fileID: "fedcba9876543210fedcba9876543210", segment: 3, index: 1)
        #expect(!order.allows(.get, on: other, host: 7, bytes: nil))
    }

    @Test func checksTheHost() {
        #expect(!order.allows(.get, on: piece, host: 8, bytes: nil))
    }

    @Test func checksTheSize() {
        #expect(!order.allows(.put, on: piece, host: 7, bytes: 1001))
        #expect(!order.allows(.put, on: piece, host: 7, bytes: -1))
    }

    @Test func jsonRoundTrip() throws {
        let json = try JSONEncoder().encode(order)
        #expect(try JSONDecoder().decode(PieceOrder.self, from: json) == order)
        #expect(String(decoding: json, as: UTF8.self).contains(#""actions":["put","get"]"#))
    }

    @Test func anOrderCoversOnlyThePiecesOfTheFileItWasSignedFor() {
        let bounded = PieceOrder(fileID: Self.file, host: 7, actions: [.put], maxPieceBytes: 1000, expires: 2e9, segments: 3, pieces: 6)
        #expect(bounded.allows(.put, on: PieceID(fileID: Self.file, segment: 2, index: 5), host: 7, bytes: 10))
        #expect(!bounded.allows(.put, on: PieceID(fileID: Self.file, segment: 3, index: 0), host: 7, bytes: 10))
        #expect(!bounded.allows(.put, on: PieceID(fileID: Self.file, segment: 0, index: 6), host: 7, bytes: 10))
    }

    @Test func anOrderWithAPlacementCoversOnlyThePiecesPlacedOnItsHost() throws {
        // Segment 0's piece 2, none of segment 1, segment 2's piece 0, segment 3's piece 47 (the last index).
        let placed = PieceOrder.placed([2, nil, 0, 47])
        #expect(placed == "2-0L")
        let order = PieceOrder(fileID: Self.file, host: 7, actions: [.put], maxPieceBytes: 1000, expires: 2e9, segments: 4, pieces: 48,
                               placed: placed)
        func allows(_ segment: Int, _ index: Int) -> Bool {
            order.allows(.put, on: PieceID(fileID: Self.file, segment: segment, index: index), host: 7, bytes: 10)
        }
        #expect(allows(0, 2) && allows(2, 0) && allows(3, 47))
        #expect(!allows(0, 1) && !allows(0, 0) && !allows(2, 2))
        #expect((0..<48).allSatisfy { !allows(1, $0) }, "a segment with no piece on the host")
        #expect(!allows(4, 0), "past the segments")
        #expect(try JSONDecoder().decode(PieceOrder.self, from: JSONEncoder().encode(order)) == order)
    }
}
