@testable import BorgDonor
import Testing

/// How the pieces for one host are cut into requests a host accepts.
struct PieceBatchesTests {
    @Test func runsStopAtTheHostsPieceLimitAndKeepTheirOrder() {
        let sizes = Array(repeating: 1, count: PieceServer.batchLimit * 2 + 1)
        let indexed = Array(sizes.enumerated())
        let requests = PieceBatches.split(indexed) { $0.element }
        #expect(requests.map(\.count) == [PieceServer.batchLimit, PieceServer.batchLimit, 1])
        #expect(requests.flatMap { $0.map(\.offset) } == Array(sizes.indices))
    }

    @Test func runsStopAtTheHostsByteLimitAndALargerPieceGoesAlone() {
        let quarter = PieceServer.bodyLimit / 4
        let sizes = [quarter, quarter, quarter, quarter, 1, PieceServer.bodyLimit + 1, quarter]
        let requests = PieceBatches.split(sizes) { $0 }
        #expect(requests == [[quarter, quarter, quarter, quarter], [1], [PieceServer.bodyLimit + 1], [quarter]])
        #expect(PieceBatches.split([Int]()) { $0 }.isEmpty)
    }
}
