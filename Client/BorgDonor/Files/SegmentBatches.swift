/// How `files put` and `files get` group a file's segments: consecutive batches (each host gets one request
/// per batch), several batches at once.
struct SegmentBatches {
    /// The most plaintext bytes in one batch (a larger segment is a batch of its own); bounds the memory a
    /// transfer takes.
    static let batchBytes = 8 << 20

    /// The segments of each batch, in order.
    let batches: [Range<Int>]
    /// How many batches to run at once.
    let parallel: Int

    /// `segments` segments of `segmentSize` bytes in batches of `segmentsPerBatch` (fewer past ``batchBytes``),
    /// `parallelBatches` at once; when big segments make the batches smaller, more at once, up to
    /// `segmentsInFlight` segments.
    init(segments: Int, segmentSize: Int, segmentsPerBatch: Int, parallelBatches: Int, segmentsInFlight: Int) {
        let perBatch = max(1, min(segmentsPerBatch, Self.batchBytes / max(1, segmentSize)))
        batches = stride(from: 0, to: segments, by: perBatch).map { $0..<min(segments, $0 + perBatch) }
        parallel = max(parallelBatches, min(segmentsInFlight, parallelBatches * segmentsPerBatch) / perBatch)
    }
}
