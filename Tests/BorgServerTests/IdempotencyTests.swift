import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation
import Testing

/// `Idempotency-Key` on batch creation: a retried request returns the first batch and creates nothing.
@Suite struct IdempotencyTests {
    @Test func aRetriedBatchWithTheSameKeyIsCreatedOnce() async throws {
        try await CoordinatorFixture.run { grid in
            try await grid.makeProject()
            let data = Data("input".utf8)
            let sha = try await grid.admin.upload(data)
            let request = CreateBatchRequest(project: "demo", workUnits: [
                WorkUnitSpec(name: "wu", inputs: [FileRef(name: "in", sha256: sha, size: Int64(data.count))])])
            let first = try await grid.admin.createBatch(request, idempotencyKey: "retry-me")
            let again = try await grid.admin.createBatch(request, idempotencyKey: "retry-me")
            let other = try await grid.admin.createBatch(request)
            #expect(again.batchID == first.batchID)
            #expect(other.batchID != first.batchID)
            #expect(grid.coordinator.queueDepth == 4, "the retry queued tasks again")

            let body = try JSONEncoder().encode(request)
            let (status, reply) = try await grid.admin.raw(.POST, "/v1/batches", body: body, headers: [("Idempotency-Key", "has space")])
            #expect(status == 400)
            #expect(String(decoding: reply, as: UTF8.self).contains("Idempotency-Key"))
        }
    }
}
