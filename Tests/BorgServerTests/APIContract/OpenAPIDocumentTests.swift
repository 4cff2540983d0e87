import BorgProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/v1/openapi.json` is built from the routes and the types they read and write, and the router keeps the
/// promises the document makes about methods and credentials.
@Suite struct OpenAPIDocumentTests {
    /// The document's schema of a component, as JSON.
    private static func component(_ name: String, in document: [String: Any]) -> [String: Any] {
        ((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?[name] as? [String: Any] ?? [:]
    }

    @Test func theDocumentDescribesTheTypesTheRoutesDecodeAndReturn() async throws {
        try await CoordinatorFixture.run { f in
            let (status, body) = try await f.admin.raw(.GET, "/v1/openapi.json")
            #expect(status == 200)
            let document = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            // Every route, the document's own included; each operation with its credential.
            #expect(paths.values.reduce(0) { $0 + $1.count } >= 56)
            let work = try #require(paths["/v1/hosts/{host}/work"]?["post"] as? [String: Any])
            #expect(work["security"] as? [[String: [String]]] == [["host": []]])
            #expect(paths["/v1/openapi.json"]?["get"] != nil)

            // Required fields are the ones the decoder needs; optional ones may be null.
            let enroll = Self.component("EnrollRequest", in: document)
            #expect(Set(enroll["required"] as? [String] ?? []) == ["token", "name", "cores", "platforms"])
            let cores = (enroll["properties"] as? [String: Any])?["cores"] as? [String: Any]
            #expect(cores?["minimum"] as? Int == 1 && cores?["maximum"] as? Int == 4096)
            let report = Self.component("TaskReport", in: document)
            #expect(Set(report["required"] as? [String] ?? []) == ["taskID", "status"])
            let reportStatus = (report["properties"] as? [String: Any])?["status"] as? [String: Any]
            #expect(reportStatus?["enum"] as? [String] == ["success", "error"])
            let workRequest = (Self.component("WorkRequest", in: document)["properties"] as? [String: Any]) ?? [:]
            #expect((workRequest["platforms"] as? [String: Any])?["nullable"] as? Bool == true)
            // A reply's fields, down to the one added last.
            let workResponse = (Self.component("WorkResponse", in: document)["properties"] as? [String: Any]) ?? [:]
            #expect(workResponse["serverTime"] != nil && workResponse["tasks"] != nil)
        }
    }

    @Test func aRoutedPathAnswersAnUndeclaredMethodWith405AndTheMethodsItHas() async throws {
        try await CoordinatorFixture.run { f in
            try await f.coordinator.application().test(.router) { client in
                try await client.execute(uri: "/v1/projects", method: .delete) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "POST, GET")
                    let reason = try JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: response.body)).error
                    #expect(reason.contains("use POST or GET"))
                }
                try await client.execute(uri: "/v1/no-such-route", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test func aRequestWithoutTheCredentialItNeedsIs401BeforeAnythingElse() async throws {
        try await CoordinatorFixture.run { f in
            // No such project, and no key: the missing key is what the caller must fix first.
            let (status, reason) = try await f.raw(.post, "/v1/batches", body: #"{"project": "nope", "workUnits": []}"#)
            #expect(status == 401)
            #expect(reason.contains("the admin key or the project's submitter key"))
            let (hostStatus, _) = try await f.raw(.post, "/v1/hosts/99/work", body: "{}")
            #expect(hostStatus == 401)
        }
    }
}
