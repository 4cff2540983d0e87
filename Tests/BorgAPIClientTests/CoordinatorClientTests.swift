import BorgAPIClient
import BorgCluster
import BorgHarness
import BorgProtocol
import Foundation
import Testing

/// The API client against a real `borg-server` process on 127.0.0.1: fail-over between coordinators, the
/// coordinator list it learns, and the idempotency key that makes a retry through another coordinator
/// harmless.
@Suite struct CoordinatorClientTests {
    /// A URL where nothing listens.
    static func deadURL() throws -> String { "http://127.0.0.1:\(try FreePort.loopback())" }

    static func withServer(_ body: (ServerProcess) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "borg-apiclient")
        defer { directory.remove() }
        let server = try ServerProcess(dataDirectory: directory.url.appendingPathComponent("coordinator"))
        defer { server.stop() }
        try await body(server)
    }

    @Test func failsOverPastADeadCoordinatorAndPrefersTheLiveOne() async throws {
        try await Self.withServer { server in
            let dead = try Self.deadURL()
            let client = CoordinatorClient(coordinators: [dead, server.url], credential: try server.adminKey)
            #expect(try await client.projects().isEmpty)
            #expect(client.coordinators == [server.url, dead], "the coordinator that answered is tried first next time")
        }
    }

    @Test func noCoordinatorAnsweringIsAClearError() async throws {
        let client = CoordinatorClient(coordinators: [try Self.deadURL(), try Self.deadURL()])
        do {
            _ = try await client.health()
            Issue.record("health() succeeded with no coordinator running")
        } catch let error as APIClientError {
            #expect(error.status == nil)
            #expect(error.reason.contains("no coordinator answered") && error.reason.contains("is borg-server running?"))
        }
    }

    @Test func anErrorReplyCarriesTheCoordinatorsReason() async throws {
        try await Self.withServer { server in
            let client = CoordinatorClient(coordinators: [server.url], credential: try server.adminKey)
            do {
                _ = try await client.batchStatus(424_242)
                Issue.record("an unknown batch was found")
            } catch let error as APIClientError {
                #expect(error.status == 404 && error.reason == "no batch 424242")
            }
        }
    }

    @Test func aRetryThroughAnotherCoordinatorCarriesTheSameIdempotencyKey() async throws {
        try await Self.withServer { server in
            let dropping = try DroppingListener()
            defer { dropping.close() }
            let admin = try server.adminKey
            let client = CoordinatorClient(coordinators: [dropping.url, server.url], credential: admin)
            let created = try await client.createDonor(name: "grace")
            let key = try #require(dropping.header("Idempotency-Key"), "the first attempt carried an Idempotency-Key")
            // The same request with that key, sent again, is answered with the first response: the live
            // coordinator saw the same key, so a retry can never create the donor twice.
            let replay = CoordinatorClient(coordinators: [server.url], credential: admin)
            let (status, body) = try await replay.raw(.POST, "/v1/donors", body: try JSONEncoder().encode(CreateDonorRequest(name: "grace")),
                                                      headers: [("Idempotency-Key", key)])
            #expect(status == 201)
            let again = try JSONDecoder().decode(CreateDonorResponse.self, from: body)
            #expect(again.donorID == created.donorID && again.enrollmentToken == created.enrollmentToken)
            // Without the key it is a new request, refused because the name is taken.
            let (fresh, _) = try await replay.raw(.POST, "/v1/donors", body: try JSONEncoder().encode(CreateDonorRequest(name: "grace")))
            #expect(fresh == 409)
        }
    }

    @Test func readsCarryNoIdempotencyKey() async throws {
        try await Self.withServer { server in
            let dropping = try DroppingListener()
            defer { dropping.close() }
            let client = CoordinatorClient(coordinators: [dropping.url, server.url], credential: try server.adminKey)
            _ = try await client.projects()
            #expect(dropping.received.count == 1)
            #expect(dropping.header("Idempotency-Key") == nil)
        }
    }

    @Test func learnedCoordinatorsComeFirstAndKnownOnesStayBehind() {
        let client = CoordinatorClient(coordinators: ["http://a", "http://b/"])
        client.learn(["http://c", "http://a/"])
        #expect(client.coordinators == ["http://c", "http://a", "http://b"])
        client.learn([])
        #expect(client.coordinators == ["http://c", "http://a", "http://b"])
        client.learn((0..<40).map { "http://n\($0)" })
        #expect(client.coordinators.count == 16 && client.coordinators.first == "http://n0")
    }
}
