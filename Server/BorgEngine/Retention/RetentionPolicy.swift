/// How long a coordinator keeps what it no longer needs: a finished batch's work units, tasks and outputs,
/// and blobs nothing refers to. Per-donor and per-host totals, credit and each batch's counts are kept.
public struct RetentionPolicy: Sendable, Equatable {
    /// Seconds a finished batch is kept after its submitter collected the results (to fetch them again).
    public var afterCollection: Double
    /// Seconds a finished batch is kept when nobody collects its results.
    public var afterFinish: Double
    /// Seconds a blob nothing refers to is kept: an upload is referred to by the request that follows it
    /// (a batch, a report, a project), which must come within this time.
    public var unreferencedBlob: Double
    /// Seconds within which a report's output already in the database is not marked as stored again: with
    /// two hosts reporting the same output, the second report writes nothing for it (the mark cost every
    /// such report a page of the blob table on the single writer). The collection of small blobs waits
    /// this much longer than ``unreferencedBlob`` (``smallBlobCutoff(now:)``), so a blob it picks was last
    /// marked longer ago than the interval: a report that refers to it meanwhile marks it, and the
    /// collection's delete, which checks the mark again, spares it, unless the report's clock ran more
    /// than ``unreferencedBlob`` behind the collector's (as before the interval existed).
    public var blobRefreshInterval: Double { min(60, unreferencedBlob) }

    /// Small blobs (in the database) last stored before this are collected if nothing refers to them.
    public func smallBlobCutoff(now: Double) -> Double { now - unreferencedBlob - blobRefreshInterval }
    /// Work units deleted per transaction, so no purge holds the writer for more than a moment.
    public var workUnitsPerStep: Int

    public init(afterCollection: Double = 3_600, afterFinish: Double = 30 * 86_400, unreferencedBlob: Double = 86_400,
                workUnitsPerStep: Int = 500) {
        self.afterCollection = afterCollection
        self.afterFinish = afterFinish
        self.unreferencedBlob = unreferencedBlob
        self.workUnitsPerStep = workUnitsPerStep
    }

    /// Why the policy cannot be used, naming the field; nil when it can.
    public var problem: String? {
        for (name, value) in [("afterCollection", afterCollection), ("afterFinish", afterFinish), ("unreferencedBlob", unreferencedBlob)]
        where !(value.isFinite && value >= 0) {
            return "\(name) must be a finite number of seconds ≥ 0, got \(value)"
        }
        return workUnitsPerStep >= 1 ? nil : "workUnitsPerStep must be at least 1"
    }
}
