@testable import BorgDonor
import Testing

/// How a file's segments are grouped for `files put` and `files get`.
struct SegmentBatchesTests {
    @Test func smallSegmentsGoFourToABatchAndBigOnesAloneWithMoreBatchesAtOnce() {
        let small = SegmentBatches(segments: 10, segmentSize: 1 << 20, segmentsPerBatch: 4, parallelBatches: 2, segmentsInFlight: 4)
        #expect(small.batches == [0..<4, 4..<8, 8..<10])
        #expect(small.parallel == 2)
        let big = SegmentBatches(segments: 3, segmentSize: 16 << 20, segmentsPerBatch: 4, parallelBatches: 2, segmentsInFlight: 4)
        #expect(big.batches == [0..<1, 1..<2, 2..<3])
        #expect(big.parallel == 4, "as many big segments in flight as small ones")
        let middle = SegmentBatches(segments: 5, segmentSize: 4 << 20, segmentsPerBatch: 4, parallelBatches: 4, segmentsInFlight: 16)
        #expect(middle.batches == [0..<2, 2..<4, 4..<5])
        #expect(middle.parallel == 8)
        #expect(SegmentBatches(segments: 0, segmentSize: 1 << 20, segmentsPerBatch: 4, parallelBatches: 2, segmentsInFlight: 4).batches.isEmpty)
    }
}
