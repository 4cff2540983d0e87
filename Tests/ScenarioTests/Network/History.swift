import BorgCore
import BorgProtocol
import Foundation

/// What the clients of a fault scenario were told, with when: batches created, reports accepted, late
/// reports refused, and every canonical output a submitter saw. ``HistoryChecker`` holds the store to it.
final class History: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [BatchID: Int] = [:]
    private var reports: Set<TaskID> = []
    private var refusals: [Int] = []
    private var canonical: [WorkUnitID: Set<[String]>] = [:]

    /// A batch of `workUnits` the coordinators acknowledged.
    func batchCreated(_ batch: BatchID, workUnits: Int) { lock.withLock { batches[batch] = workUnits } }

    /// Reports the coordinators acknowledged as stored.
    func reportsAccepted(_ tasks: [TaskID]) { lock.withLock { reports.formUnion(tasks) } }

    /// A report refused with HTTP `status`.
    func reportRefused(status: Int) { lock.withLock { refusals.append(status) } }

    /// The canonical outputs (digests) a submitter saw for a work unit.
    func canonicalSeen(_ unit: WorkUnitID, outputs: [String]) { lock.withLock { canonical[unit, default: []].insert(outputs) } }

    var acknowledgedBatches: [BatchID: Int] { lock.withLock { batches } }
    var acknowledgedReports: Set<TaskID> { lock.withLock { reports } }
    var refusedStatuses: [Int] { lock.withLock { refusals } }
    var canonicalObservations: [WorkUnitID: Set<[String]>] { lock.withLock { canonical } }
}
