import BorgCore
import Foundation

/// What one purge step did.
public struct PurgeStep: Sendable, Equatable {
    /// Work units deleted (with their tasks).
    public var workUnits: Int
    /// Whether the batch has nothing left to purge and was marked purged.
    public var batchPurged: Bool
}

/// The database's size in bytes, and how much of it is free pages that new rows reuse.
public struct DatabaseSize: Sendable, Equatable {
    public var bytes: Int64
    public var freeBytes: Int64
}

extension StoreQueries {
    /// The database's size and its free pages.
    public func databaseSize() throws -> DatabaseSize {
        let pageSize = try db.queryOne("PRAGMA page_size")?.int(0) ?? 0
        let pages = try db.queryOne("PRAGMA page_count")?.int(0) ?? 0
        let free = try db.queryOne("PRAGMA freelist_count")?.int(0) ?? 0
        return DatabaseSize(bytes: pages * pageSize, freeBytes: free * pageSize)
    }

    /// Records that the batch's submitter collected its results (the first time counts).
    public func markCollected(batch id: BatchID, now: Double) throws {
        try db.run("UPDATE batch SET collected_at = coalesce(collected_at, ?) WHERE id = ?", .real(now), SQLValue(id))
    }

    /// Finished batches not yet purged whose results were collected at or before `collectedBefore`, or that
    /// finished at or before `finishedBefore`, oldest first.
    public func purgeableBatches(collectedBefore: Double, finishedBefore: Double) throws -> [BatchID] {
        try db.query(
            """
            SELECT id FROM batch WHERE purged_at IS NULL AND finished_at IS NOT NULL
              AND ((collected_at IS NOT NULL AND collected_at <= ?) OR finished_at <= ?) ORDER BY id
            """, .real(collectedBefore), .real(finishedBefore)
        ).map { $0.id(0) }
    }

    /// Deletes up to `limit` of the batch's work units with their tasks, keeping the credit those tasks granted
    /// on the batch row; a work unit with a task still unsent or running stays until it has none. When no work
    /// unit is left the batch is marked purged at `now`.
    public func purgeWorkUnits(batch id: BatchID, limit: Int, now: Double) throws -> PurgeStep {
        let units = try db.query(
            """
            SELECT w.id FROM work_unit w WHERE w.batch_id = ? AND NOT EXISTS (
                SELECT 1 FROM task t WHERE t.wu_id = w.id AND t.state IN ('unsent', 'in_progress')) LIMIT ?
            """, SQLValue(id), .integer(Int64(max(1, limit)))
        ).map { $0.int(0) }
        if !units.isEmpty {
            // One statement text for any list, so connections that cache prepared statements keep one each.
            let list = SQLValue.text("[" + units.map(String.init).joined(separator: ",") + "]")
            try db.run(
                """
                UPDATE batch SET purged_credit = purged_credit
                    + (SELECT coalesce(sum(credit), 0) FROM task WHERE wu_id IN (SELECT value FROM json_each(?))) WHERE id = ?
                """, list, SQLValue(id))
            try db.run("DELETE FROM task WHERE wu_id IN (SELECT value FROM json_each(?))", list)
            try db.run("DELETE FROM work_unit WHERE id IN (SELECT value FROM json_each(?))", list)
        }
        let left = try db.queryOne("SELECT 1 FROM work_unit WHERE batch_id = ? LIMIT 1", SQLValue(id)) != nil
        if !left { try db.run("UPDATE batch SET purged_at = ? WHERE id = ?", .real(now), SQLValue(id)) }
        return PurgeStep(workUnits: units.count, batchPurged: !left)
    }

    /// Removes from `candidates` every digest something still refers to: an app version, a work unit's
    /// input or a task's output. Rows are read a page at a time, so memory stays bounded however many
    /// tasks the store holds.
    public func removeReferenced(from candidates: inout Set<String>) throws {
        for row in try db.query("SELECT sha256 FROM app_version") { candidates.remove(row.string(0)) }
        for (table, column, filter) in [("work_unit", "inputs", ""), ("task", "outputs", "AND outputs != ''")] {
            var after: Int64 = 0
            while !candidates.isEmpty {
                let page = try db.query(
                    "SELECT id, \(column) FROM \(table) WHERE id > ? \(filter) ORDER BY id LIMIT 5000", .integer(after))
                guard let last = page.last else { break }
                for row in page {
                    for file in FileListCoding.decode(row.string(1)) { candidates.remove(file.sha256) }
                }
                after = last.int(0)
            }
        }
    }

    /// Small blobs last stored before `before`.
    public func blobs(storedBefore before: Double) throws -> [String] {
        try db.query("SELECT sha256 FROM blob WHERE touched_at < ?", .real(before)).map { $0.string(0) }
    }

    /// Deletes those of `digests` still last stored before `before` (one stored again since stays); returns
    /// how many went.
    public func deleteBlobs(_ digests: [String], storedBefore before: Double) throws -> Int {
        var deleted = 0
        for sha in digests {
            deleted += Int(try db.execute("DELETE FROM blob WHERE sha256 = ? AND touched_at < ?", .text(sha), .real(before)).rowsAffected)
        }
        return deleted
    }
}
