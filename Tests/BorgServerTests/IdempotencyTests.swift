import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation
import Testing

/// `Idempotency-Key` on requests that create things: a retried request returns the first response and
/// creates nothing more.
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

    @Test func aRetriedEnrollmentOrDonorCreationCreatesOne() async throws {
        try await CoordinatorFixture.run { grid in
            let donorBody = try JSONEncoder().encode(CreateDonorRequest(name: "ada"))
            let key = [("Idempotency-Key", "donor-ada")]
            let (first, firstReply) = try await grid.admin.raw(.POST, "/v1/donors", body: donorBody, headers: key)
            let (again, againReply) = try await grid.admin.raw(.POST, "/v1/donors", body: donorBody, headers: key)
            #expect(first == 201 && again == 201, "a retried donor creation is not refused as a duplicate")
            let donor = try JSONDecoder().decode(CreateDonorResponse.self, from: firstReply)
            #expect(try JSONDecoder().decode(CreateDonorResponse.self, from: againReply).enrollmentToken == donor.enrollmentToken)

            let anonymous = CoordinatorClient(coordinators: [grid.url])
            let enroll = try JSONEncoder().encode(EnrollRequest(token: donor.enrollmentToken, name: "laptop", cores: 2, platforms: ["wasm"]))
            let (_, one) = try await anonymous.raw(.POST, "/v1/hosts/enroll", body: enroll, headers: [("Idempotency-Key", "e1")])
            let (_, two) = try await anonymous.raw(.POST, "/v1/hosts/enroll", body: enroll, headers: [("Idempotency-Key", "e1")])
            let (_, three) = try await anonymous.raw(.POST, "/v1/hosts/enroll", body: enroll, headers: [("Idempotency-Key", "e2")])
            let hosts = try [one, two, three].map { try JSONDecoder().decode(EnrollResponse.self, from: $0).hostID }
            #expect(hosts[0] == hosts[1] && hosts[2] != hosts[0])
            #expect(try await grid.admin.donorStats(donor.donorID).hosts == 2)

            // Another donor's token with the same key gets its own host, not the first donor's secret.
            let other = try await grid.admin.createDonor(name: "bob")
            let foreign = try JSONEncoder().encode(EnrollRequest(token: other.enrollmentToken, name: "pc", cores: 2, platforms: ["wasm"]))
            let (_, four) = try await anonymous.raw(.POST, "/v1/hosts/enroll", body: foreign, headers: [("Idempotency-Key", "e1")])
            #expect(try JSONDecoder().decode(EnrollResponse.self, from: four).donorID == other.donorID)
        }
    }

    /// The responses kept for retries hold host secrets, tokens and API keys: the database keeps them
    /// sealed with the requester's own credential, so reading it gives none of them away.
    @Test func storedResponsesHoldNoSecretInPlainText() async throws {
        try await CoordinatorFixture.run { grid in
            try await grid.makeProject()
            let donor = try await grid.admin.createDonor(name: "ada")
            let key = try await grid.admin.createSubmitterKey(project: "demo").apiKey
            let host = try await CoordinatorClient(coordinators: [grid.url]).enroll(
                EnrollRequest(token: donor.enrollmentToken, name: "laptop", cores: 2, platforms: ["wasm"]))
            let stored = try await grid.coordinator.store.read { q in
                try q.db.query("SELECT key, response FROM idempotency").map { $0.string(0) + " " + $0.string(1) }
            }
            #expect(stored.count == 4, "the project, the donor, the key and the host were kept for retries: \(stored)")
            for secret in [donor.enrollmentToken, key, host.hostSecret] {
                #expect(!stored.contains { $0.contains(secret) }, "a secret is in the database in plain text")
            }
            // A retry with another credential but the same key cannot open a sealed response.
            let body = try JSONEncoder().encode(CreateDonorRequest(name: "eve"))
            let (first, _) = try await grid.admin.raw(.POST, "/v1/donors", body: body, headers: [("Idempotency-Key", "k1")])
            let other = try await grid.admin.createSubmitterKey(project: "demo").apiKey
            let stranger = CoordinatorClient(coordinators: [grid.url], credential: other)
            let (status, _) = try await stranger.raw(.POST, "/v1/donors", body: body, headers: [("Idempotency-Key", "k1")])
            #expect(first == 201 && status == 403, "a submitter key may not create donors at all")
        }
    }
}
