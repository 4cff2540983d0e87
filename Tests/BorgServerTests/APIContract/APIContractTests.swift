import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import Foundation
import Testing

/// The coordinator's API against its own OpenAPI document, checked by schemathesis (PyPI, installed by
/// `scripts/install-dependencies.sh --tests`) with every check: response schemas, status codes, content
/// types, missing credentials, undeclared methods, schema-valid requests accepted and schema-violating
/// ones refused. Against a live coordinator with a project, a batch and an enrolled host; every operation
/// with the admin key, and a host's operations again as that host, so their bodies reach the route's checks.
@Suite struct APIContractTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let schemathesis = packageRoot.appendingPathComponent(".build/schemathesis/bin/st")

    /// Operations with rules across fields or requests, which a JSON Schema cannot state, so a request the
    /// document allows may still get 400 (or, for storage, 413 past the donor's quota and 503 while too few
    /// hosts offer space). They are
    /// checked in runs of their own, which accept that answer; every other check stays on.
    static let crossFieldOperations = [
        "postV1Projects",  // quorum ≤ replication ≤ maxTotalTasks, the collusion guard above the quorum; apps uploaded first
        "postV1Batches",  // the override fits the project's policy; inputs uploaded and within its size limit
        "postV1Teams",  // the founder is an existing donor
        "putV1BlobsBySha", "putV1HostsByHostBlobsBySha", "putV1ClusterBlobsBySha",  // the bytes hash to the path's SHA-256
        "postV1HostsByHostReports",  // each task once, each output name once, inline data hashing to its SHA-256
        "postV1HostsByHostFiles",  // a redundancy the grid's storage hosts can hold, within the donor's quota
        "postV1HostsByHostFilesByFileCommit",  // digests for every segment and piece of the file's layout
    ]

    /// The host's operations, run as the host (leaving is left out: it would retire the host mid-run).
    static let hostOperations = ["--include-path-regex", #"^/v1/hosts/\{host\}/"#, "--exclude-path", "/v1/hosts/{host}/abandon"]

    @Test func theAPIKeepsEveryPromiseOfItsDocument() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.schemathesis.path) else {
            Issue.record("schemathesis is not installed at \(Self.schemathesis.path): run scripts/install-dependencies.sh --tests")
            return
        }
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(2)
            let donor = try await f.admin.createDonor(name: "contract")
            let host = try await CoordinatorClient(coordinators: [f.url]).enroll(
                EnrollRequest(token: donor.enrollmentToken, name: "contract", cores: 2, platforms: ["wasm"]))
            let crossField = Self.crossFieldOperations.flatMap { ["--include-operation-id", $0] }
            let strict = Self.crossFieldOperations.flatMap { ["--exclude-operation-id", $0] }
            let runs: [(String, Settings, [String])] = [
                ("every operation, admin key", Settings(credential: f.adminKey), strict),
                ("cross-field operations, admin key", Settings(credential: f.adminKey, crossField: true), crossField),
                ("host operations, as the host", Settings(credential: host.hostSecret, host: host.hostID.rawValue),
                 Self.hostOperations + strict),
                ("host cross-field operations, as the host",
                 Settings(credential: host.hostSecret, host: host.hostID.rawValue, crossField: true), Self.hostOperations + crossField),
            ]
            for (name, settings, filter) in runs {
                let result = try await Self.schemathesis(f, settings, filter: filter)
                let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                print("schemathesis, \(name): \(lines.last(where: { $0.contains(" in ") && $0.hasPrefix("=") }) ?? "no summary")")
                #expect(result.status == 0, """
                    schemathesis found the API and its document disagreeing (\(name), exit \(result.status)):
                    \(lines.suffix(120).joined(separator: "\n"))
                    \(result.stderr)
                    """)
            }
        }
    }

    /// One run's settings, written as schemathesis's configuration file.
    struct Settings {
        /// The bearer credential of every request.
        var credential: String
        /// The host whose operations are run (its id in every `{host}`), or nil.
        var host: HostID.RawValue?
        /// Allow 400 (and 503) to schema-valid requests: the rules span fields.
        var crossField = false

        var toml: String {
            var text = """
                headers = { Authorization = "Bearer \(credential)" }
                [generation]
                max-examples = 20

                """
            if let host {
                // With the host fixed, a request schemathesis made invalid in `{host}` is valid again:
                // negative data is checked in the admin key's runs.
                text += "[parameters]\nhost = \(host)\n"
            }
            if crossField || host != nil {
                text += "[checks.not_a_server_error]\nexpected-statuses = [\"2xx\", \"3xx\", \"4xx\", \"503\"]\n"
            }
            if crossField {
                text += "[checks.positive_data_acceptance]\nexpected-statuses = [\"2xx\", \"400\", \"401\", \"403\", \"404\", \"409\", \"413\", \"503\"]\n"
            }
            return text
        }
    }

    /// Runs schemathesis with every check against `f`'s document, off the cooperative pool (it takes tens
    /// of seconds, and the pool serves the coordinator).
    private static func schemathesis(_ f: CoordinatorFixture, _ settings: Settings, filter: [String]) async throws -> CommandResult {
        let configuration = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(UUID().uuidString).toml")
        try settings.toml.write(to: configuration, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: configuration) }
        var arguments = ["--config-file", configuration.path, "--no-color", "run", "\(f.url)/v1/openapi.json", "--checks", "all"]
        if settings.host != nil { arguments += ["--exclude-checks", "negative_data_rejection"] }
        arguments += filter
        let command = arguments
        return try await withCheckedThrowingContinuation { (done: CheckedContinuation<CommandResult, any Error>) in
            DispatchQueue.global().async {
                done.resume(with: Result { try CommandRunner.run(Self.schemathesis, command) })
            }
        }
    }
}
