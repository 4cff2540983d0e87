import BorgCore
import BorgStore
import Foundation

/// What a purge pass removed.
public struct PurgeSummary: Sendable, Equatable {
    /// Batches with nothing left but their counts.
    public var batches: [BatchID] = []
    /// Work units deleted with their tasks.
    public var workUnits = 0

    public init(batches: [BatchID] = [], workUnits: Int = 0) {
        self.batches = batches
        self.workUnits = workUnits
    }
}

/// Retention: finished batches purged after their results were collected (or when old), unreferenced blobs
/// collected.
extension LifecycleEngine {
    /// Records that the submitter collected the batch's results; it is purged `afterCollection` seconds later.
    public func markCollected(_ batch: BatchRecord) async throws {
        guard batch.finishedAt != nil else {
            throw EngineError.wrongState("batch \(batch.id) is still active; mark it collected once it has finished")
        }
        let now = clock()
        try await store.write { q in try q.markCollected(batch: batch.id, now: now) }
    }

    /// Purges the work units, tasks and outputs of every finished batch the policy no longer keeps, a few
    /// hundred work units per transaction. A work unit with a task still unsent or running waits for it.
    public func purgeBatches(_ policy: RetentionPolicy) async throws -> PurgeSummary {
        let now = clock()
        let due = try await store.read { q in
            try q.purgeableBatches(collectedBefore: now - policy.afterCollection, finishedBefore: now - policy.afterFinish)
        }
        var summary = PurgeSummary()
        for batch in due {
            while true {
                let step = try await store.write { q in try q.purgeWorkUnits(batch: batch, limit: policy.workUnitsPerStep, now: now) }
                summary.workUnits += step.workUnits
                if step.batchPurged { summary.batches.append(batch) }
                if step.batchPurged || step.workUnits == 0 { break }
            }
        }
        return summary
    }

    /// Deletes the blobs nothing refers to that were last stored over `unreferencedBlob` seconds ago: this
    /// coordinator's blob files, and (when `database` is true: on the leading coordinator) the small blobs in
    /// the database. Returns how many went.
    public func collectBlobs(_ policy: RetentionPolicy, database: Bool) async throws -> Int {
        let before = policy.smallBlobCutoff(now: clock())
        let fileCutoff = Date().addingTimeInterval(-policy.unreferencedBlob)
        let files = store.blobs.files(storedBefore: fileCutoff)
        let unreferenced = try await store.read { q in
            var candidates = Set(files)
            if database { candidates.formUnion(try q.blobs(storedBefore: before)) }
            if !candidates.isEmpty { try q.removeReferenced(from: &candidates) }
            return candidates
        }
        var deleted = files.filter { unreferenced.contains($0) && store.blobs.remove($0, storedBefore: fileCutoff) }.count
        let rows = database ? Array(unreferenced.subtracting(files)) : []
        for start in stride(from: 0, to: rows.count, by: policy.workUnitsPerStep) {
            let slice = Array(rows[start..<min(rows.count, start + policy.workUnitsPerStep)])
            deleted += try await store.write { q in try q.deleteBlobs(slice, storedBefore: before) }
        }
        return deleted
    }
}
