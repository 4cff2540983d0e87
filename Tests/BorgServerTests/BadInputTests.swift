import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation
import Testing

/// Malformed, oversized or unauthorized requests get a 4xx with a JSON reason; nothing accepted is lost.
@Suite struct BadInputTests {
    @Test func malformedRequestsGetJSONReasonsAndTheServerKeepsServing() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            let batch = try await f.submit(1)
            let a = try await f.host("a")
            let secret = a.client.credential

            var (status, reason) = try await f.raw(.post, "/v1/hosts/enroll", body: "{not json")
            #expect(status == 400 && reason.contains("invalid JSON"))
            (status, reason) = try await f.raw(.post, "/v1/hosts/enroll", body: #"{"token": 5}"#)
            #expect(status == 400 && reason.contains("token"))
            (status, reason) = try await f.raw(.post, "/v1/hosts/\(a.id)/work", body: #"{"maxTasks": "many"}"#, credential: secret)
            #expect(status == 400 && reason.contains("maxTasks"))
            (status, reason) = try await f.raw(.post, "/v1/hosts/\(a.id)/work", body: #"{"maxTasks": 100000}"#, credential: secret)
            #expect(status == 400)
            (status, _) = try await f.raw(.post, "/v1/hosts/abc/work", body: #"{"maxTasks": 1}"#, credential: secret)
            #expect(status == 400)
            (status, reason) = try await f.raw(.get, "/v1/batches/999", body: nil, credential: f.admin.credential)
            #expect(status == 404 && reason.contains("999"))
            (status, reason) = try await f.raw(.get, "/v1/nowhere", body: nil)
            #expect(status == 404 && reason.contains("/v1/nowhere"))
            let huge = String(repeating: "x", count: 70 << 20)
            // Past the JSON limit the server answers 413 and closes the connection; a client still sending may
            // see only the close. Either way nothing is accepted and the server keeps serving (checked below).
            let refused = try? await f.raw(.post, "/v1/hosts/\(a.id)/reports", body: huge, credential: secret)
            #expect(refused == nil || refused?.0 == 413, "\(String(describing: refused))")
            (status, reason) = try await f.raw(.post, "/v1/hosts/\(a.id)/reports",
                body: #"{"reports":[{"taskID":1,"status":"success","outputs":[{"name":"../x","sha256":"00","size":1}]}]}"#, credential: secret)
            #expect(status == 400 && reason.contains("output name"))
            (status, reason) = try await f.raw(.post, "/v1/hosts/\(a.id)/reports",
                body: #"{"reports":[{"taskID":1,"status":"success","outputs":[{"name":"out","sha256":"\#(String(repeating: "1", count: 64))","size":1,"data":"QQ=="}]}]}"#,
                credential: secret)
            #expect(status == 400 && reason.contains("hashes to"))
            (status, reason) = try await f.raw(.put, "/v1/blobs/\(String(repeating: "a", count: 64))", body: "data", credential: f.admin.credential)
            #expect(status == 400 && reason.contains("hashes to"))

            // Still serving, and the batch accepted before is intact.
            let tasks = try await a.work()
            #expect(tasks.count == 1)
            #expect(try await f.admin.batchStatus(batch).workUnits == 1)
        }
    }

    @Test func badBatchesAndProjectsAreRefusedWithTheReason() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            func refused(_ request: CreateBatchRequest) async -> APIClientError? {
                do { _ = try await f.admin.createBatch(request); return nil } catch { return error as? APIClientError }
            }
            let missing = FileRef(name: "in", sha256: String(repeating: "b", count: 64), size: 1)
            #expect(await refused(CreateBatchRequest(project: "demo", workUnits: []))?.status == 400)
            #expect(await refused(CreateBatchRequest(project: "nope", workUnits: [WorkUnitSpec(name: "a", inputs: [])]))?.status == 404)
            #expect(await refused(CreateBatchRequest(project: "demo", workUnits: [WorkUnitSpec(name: "a", inputs: [missing])]))?.reason.contains("not uploaded") == true)
            #expect(await refused(CreateBatchRequest(project: "demo", workUnits: [WorkUnitSpec(name: "a/b", inputs: [])]))?.status == 400)
            #expect(await refused(CreateBatchRequest(project: "demo", workUnits: [WorkUnitSpec(name: "a", inputs: []), WorkUnitSpec(name: "a", inputs: [])]))?.reason.contains("twice") == true)
            #expect(await refused(CreateBatchRequest(project: "demo", workUnits: [WorkUnitSpec(name: "a", inputs: [])], policy: PolicyOverride(quorum: 5)))?.reason.contains("quorum") == true)
            do {
                _ = try await f.admin.createProject(CreateProjectRequest(name: "bad", appVersions: [], policy: ProjectPolicy(replication: 1, quorum: 3)))
                Issue.record("an impossible policy was accepted")
            } catch let error as APIClientError {
                #expect(error.status == 400 && error.reason.contains("replication"))
            }
        }
    }

    @Test func keysAndSecretsAreChecked() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject("one")
            try await f.makeProject("two")
            let batch = try await f.submit(1, project: "one")
            let key = try await f.admin.createSubmitterKey(project: "two").apiKey
            let submitter = CoordinatorClient(coordinators: [f.url], credential: key)
            await #expect(throws: APIClientError.self, "a key of project two cannot see project one's batch") {
                try await submitter.batchStatus(batch)
            }
            await #expect(throws: APIClientError.self, "a submitter key cannot create donors") {
                try await submitter.createDonor(name: "x")
            }
            let nobody = CoordinatorClient(coordinators: [f.url], credential: "key-wrong")
            do { _ = try await nobody.projects(); Issue.record("unknown key accepted") } catch let e as APIClientError { #expect(e.status == 401) }
            let a = try await f.host("a")
            let impostor = CoordinatorClient(coordinators: [f.url], credential: "host-wrong")
            do { _ = try await impostor.requestWork(host: a.id, maxTasks: 1); Issue.record("wrong host secret accepted") } catch let e as APIClientError { #expect(e.status == 403) }
            let anonymous = CoordinatorClient(coordinators: [f.url])
            do { _ = try await anonymous.requestWork(host: a.id, maxTasks: 1); Issue.record("no secret accepted") } catch let e as APIClientError { #expect(e.status == 401) }
            do {
                _ = try await anonymous.enroll(EnrollRequest(token: "enroll-wrong", name: "x", cores: 1, platforms: ["wasm"]))
                Issue.record("wrong enrollment token accepted")
            } catch let e as APIClientError { #expect(e.status == 403) }
            // The submitter key works for its own project.
            let own = try await f.submit(1, project: "two")
            #expect(try await submitter.batchStatus(own).project == "two")
        }
    }

    @Test func metricsAndOpenAPIAreServed() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(1)
            let a = try await f.host("a")
            _ = try await a.work()
            let client = CoordinatorClient(coordinators: [f.url])
            let metrics = String(decoding: try await client.raw(.GET, "/metrics").body, as: UTF8.self)
            #expect(metrics.contains("borg_tasks_dispatched_total 1"))
            #expect(metrics.contains("borg_ready_queue_depth 1"))
            let openapi = try await client.raw(.GET, "/v1/openapi.json")
            let doc = try JSONSerialization.jsonObject(with: openapi.body) as? [String: Any]
            let paths = doc?["paths"] as? [String: Any] ?? [:]
            for path in ["/v1/hosts/enroll", "/v1/hosts/{host}/work", "/v1/hosts/{host}/reports", "/v1/batches", "/v1/batches/{id}/results", "/v1/stats/leaderboard",
                         "/v1/hosts/{host}/files", "/v1/storage"] {
                #expect(paths[path] != nil, "\(path) is missing from the OpenAPI document")
            }
        }
    }
}
