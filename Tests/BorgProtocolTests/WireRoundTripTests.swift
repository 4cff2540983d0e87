import BorgCore
import Foundation
import Testing
@testable import BorgProtocol

/// The `/v1` wire types as JSON: what one side encodes the other decodes to the same value; ids travel as
/// plain numbers; fields a newer peer adds are ignored; a missing required field is an error naming it.
@Suite struct WireRoundTripTests {
    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: try WireJSON.encoder().encode(value))
    }

    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    static let assignment = TaskAssignment(
        taskID: 41, workUnitID: 7, workUnitName: "wu-7", project: "primes", platform: "wasm",
        app: FileRef(name: "app", sha256: String(repeating: "a", count: 64), size: 1_234), appSignature: "c2ln",
        projectPublicKey: "cHVi", inputs: [FileRef(name: "range", sha256: String(repeating: "b", count: 64), size: 12)],
        deadline: 1_800_000_000.5, estimatedFlops: 1e12, maxOutputBytes: 1 << 20)

    @Test func everyMessageSurvivesARoundTrip() throws {
        #expect(try roundTrip(Self.assignment) == Self.assignment)
        let report = TaskReport(taskID: 41, status: .success, outputs: [
            ReportedOutput(name: "count", sha256: String(repeating: "c", count: 64), size: 3, data: "MTIK"),
        ], cpuSeconds: 1.5, measuredWork: 9e9, errorMessage: nil)
        #expect(try roundTrip(report) == report)
        let status = BatchStatus(id: 3, project: "primes", state: .completed, workUnits: 10, completed: 9, failed: 1,
                                 cancelled: 0, tasksInProgress: 0, createdAt: 1, finishedAt: 2)
        #expect(try roundTrip(status) == status)
        let donor = DonorStats(donorID: 5, name: "ada", totalCredit: 12.5, rac: 1.25, hosts: 2,
                               tasks: TaskCounts(valid: 3, invalid: 1, error: 0, inProgress: 2), cpuHours: 0.5, rank: 1)
        #expect(try roundTrip(donor) == donor)
        let policy = ProjectPolicy(replication: 3, quorum: 2, validator: .fuzzy(relativeTolerance: 1e-9, absoluteTolerance: 1e-12),
                                   credit: .measured(flopsPerWorkUnit: 2), adaptiveReplication: AdaptiveReplicationPolicy())
        #expect(try roundTrip(policy) == policy)
    }

    @Test func idsTravelAsPlainNumbers() throws {
        let json = String(decoding: try WireJSON.encoder().encode(CreateBatchResponse(batchID: 12, workUnits: 3)), as: UTF8.self)
        #expect(json == #"{"batchID":12,"workUnits":3}"#)
        let ids = try decode(AbandonResponse.self, #"{"abandoned": [1, 2, 9007199254740993]}"#).abandoned
        #expect(ids == [1, 2, TaskID(9_007_199_254_740_993)])
        #expect(throws: DecodingError.self) { try decode(AbandonResponse.self, #"{"abandoned": ["1"]}"#) }
    }

    @Test func fieldsANewerPeerAddsAreIgnored() throws {
        let request = try decode(WorkRequest.self, #"{"maxTasks": 4, "heldTasks": [8], "gpu": {"model": "x"}}"#)
        #expect(request.maxTasks == 4 && request.heldTasks == [8] && request.platforms == nil)
        let reply = try decode(ReportResponse.self, #"{"accepted": [1], "cancelledTasks": [], "coordinators": ["http://a"], "motd": "hi"}"#)
        #expect(reply.accepted == [1] && reply.coordinators == ["http://a"])
    }

    @Test func optionalFieldsTakeTheirDefaults() throws {
        let report = try decode(TaskReport.self, #"{"taskID": 5, "status": "error"}"#)
        #expect(report == TaskReport(taskID: 5, status: .error))
        let policy = try decode(ProjectPolicy.self, #"{"replication": 3}"#)
        #expect(policy.replication == 3 && policy.quorum == ProjectPolicy().quorum && policy.validator == .bitwise)
    }

    @Test func aMissingRequiredFieldIsAnErrorNamingIt() throws {
        do {
            _ = try decode(EnrollRequest.self, #"{"token": "t", "name": "n", "platforms": ["wasm"]}"#)
            Issue.record("an enroll request without cores decoded")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "cores")
        }
        do {
            _ = try decode(TaskReport.self, #"{"status": "success"}"#)
            Issue.record("a report without taskID decoded")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "taskID")
        }
        #expect(throws: DecodingError.self) { try decode(TaskReport.self, #"{"taskID": 1, "status": "maybe"}"#) }
    }

    @Test func prettyOutputIsStable() throws {
        let text = try WireJSON.pretty(APIErrorBody(error: "no batch 9", status: 404))
        #expect(text == "{\n  \"error\" : \"no batch 9\",\n  \"status\" : 404\n}")
    }
}
