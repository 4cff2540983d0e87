import BorgCore
import BorgHarness
import BorgProtocol
import BorgStore
import Foundation

/// Reads the replicated store once the faults are over and lists every promise the grid broke against a
/// ``History``: an acknowledged batch or report lost, a work unit with two canonical outputs (in the store,
/// or seen by a submitter over time), a donor's credit that is not the sum of its valid tasks, a work unit
/// of an acknowledged batch not finished.
struct HistoryChecker {
    let coordinators: LabCoordinators
    let scratch: URL

    /// Every violation found; empty when the grid kept its promises.
    func violations(of history: History) async throws -> [String] {
        let store = try await Store(directory: scratch, backend: DqliteBackend(seeds: coordinators.clusterAddresses, dialer: coordinators.dqliteDialer))
        defer { store.close() }
        let batches = history.acknowledgedBatches
        let (reported, doubleCanonical, credit, totals, units) = try await store.read { q in
            (Set(try q.db.query("SELECT id FROM task WHERE reported_at IS NOT NULL").map { $0.id(0) as TaskID }),
             try q.db.query("""
                SELECT w.id FROM work_unit w JOIN task c ON c.id = w.canonical_task_id
                JOIN task t ON t.wu_id = w.id AND t.validate_state = 'valid' AND t.outputs != c.outputs
                UNION SELECT id FROM work_unit WHERE status = 'completed' AND canonical_task_id IS NULL
                """).map { $0.int(0) },
             try q.validCreditByDonor(), try q.donorTotals(),
             try q.db.query("SELECT batch_id, status FROM work_unit").map { ($0.int(0), $0.string(1)) })
        }
        var violations: [String] = []
        let unitsByBatch = Dictionary(grouping: units, by: { BatchID($0.0) })
        for (batch, count) in batches.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let stored = unitsByBatch[batch] ?? []
            if stored.count != count { violations.append("batch \(batch) was acknowledged with \(count) work units; the store has \(stored.count)") }
            let open = stored.filter { !["completed", "failed", "cancelled"].contains($0.1) }
            if !open.isEmpty { violations.append("batch \(batch): \(open.count) work units not finished") }
        }
        let lost = history.acknowledgedReports.subtracting(reported)
        if !lost.isEmpty { violations.append("\(lost.count) acknowledged reports lost, e.g. tasks \(lost.sorted().prefix(5))") }
        if !doubleCanonical.isEmpty { violations.append("work units with disagreeing canonical outputs: \(doubleCanonical.prefix(5))") }
        let changed = history.canonicalObservations.filter { $0.value.count > 1 }
        if !changed.isEmpty { violations.append("work units whose canonical output changed as submitters saw it: \(changed.keys.prefix(5))") }
        for donor in totals where abs(donor.totalCredit - (credit[donor.id] ?? 0)) > 1e-6 {
            violations.append("donor \(donor.name) has \(donor.totalCredit) credit; its valid tasks \(credit[donor.id] ?? 0)")
        }
        return violations
    }
}
