import BorgAPIClient
import BorgCore
import BorgHarness
import Foundation

extension CoordinatorClient {
    /// Work units of `batch` completed so far, or `nil` when no coordinator answers right now.
    func completedWorkUnits(of batch: BatchID) async -> Int? {
        try? await batchStatus(batch).completed
    }

    /// Waits until at least `count` of the `total` work units of `batch` are complete.
    func waitForCompleted(_ count: Int, of batch: BatchID, total: Int, timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let done = await completedWorkUnits(of: batch), done >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError("fewer than \(count) of \(total) work units completed within \(timeout) s (now \(await completedWorkUnits(of: batch) ?? -1))")
    }
}
