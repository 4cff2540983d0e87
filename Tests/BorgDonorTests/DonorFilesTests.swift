import BorgCore
import BorgDonor
import BorgProtocol
import Foundation
import Testing

struct DonorFilesTests {
    func temporaryDirectory() throws -> DataDirectory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("borg-donor-\(UUID().uuidString.prefix(8))").path
        let directory = DataDirectory(path)
        try directory.create()
        return directory
    }

    static func assignment(_ id: TaskID) -> TaskAssignment {
        TaskAssignment(
            taskID: id, workUnitID: 1, workUnitName: "wu", project: "p", platform: "wasm",
            app: FileRef(name: "app", sha256: "ab", size: 2), appSignature: "", projectPublicKey: "", inputs: [],
            deadline: 1e10, estimatedFlops: 1, maxOutputBytes: 10)
    }

    @Test func stateSurvivesARoundTripThroughItsFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        var state = DonorState()
        var task = LocalTask(assignment: Self.assignment(7))
        task.phase = .finished
        task.cpuSeconds = 1.5
        task.errorMessage = "boom"
        state.tasks[7] = task
        state.tasks[3] = LocalTask(assignment: Self.assignment(3))
        state.reported = 4
        try state.save(to: directory)
        let loaded = try DonorState.load(from: directory)
        #expect(loaded == state)
        #expect(loaded.tasks(in: .finished).map(\.id) == [7])
        #expect(loaded.tasks(in: .waiting).map(\.id) == [3])
    }

    @Test func missingStateIsEmptyAndDamagedStateNamesTheFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        #expect(try DonorState.load(from: directory) == DonorState())
        try Data("{not json".utf8).write(to: directory.state)
        #expect {
            try DonorState.load(from: directory)
        } throws: { ($0 as? DonorError)?.description.contains(directory.state.path) == true }
    }

    @Test func configurationIsRequiredAndRoundTrips() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        #expect(!directory.isEnrolled)
        #expect(throws: DonorError.self) { try DonorConfiguration.load(from: directory) }
        let configuration = DonorConfiguration(
            coordinators: ["http://127.0.0.1:1"], hostID: 5, donorID: 2, donorName: "ada", hostSecret: "s", name: "box",
            caps: DonorCaps(cpuFraction: 0.25))
        try configuration.save(to: directory)
        #expect(directory.isEnrolled)
        #expect(try DonorConfiguration.load(from: directory) == configuration)
    }

    @Test func dataDirectoryPrefersTheFlagThenTheEnvironment() {
        #expect(DataDirectory.resolve("/tmp/a", environment: ["BORG_CLIENT_DIR": "/tmp/b"]).root.path == "/tmp/a")
        #expect(DataDirectory.resolve(nil, environment: ["BORG_CLIENT_DIR": "/tmp/b"]).root.path == "/tmp/b")
    }

    @Test func backoffGrowsWithJitterAndResets() {
        var backoff = Backoff(minimum: 1, maximum: 8)
        let waits = (0..<6).map { _ in backoff.fail() }
        #expect(waits.allSatisfy { $0 >= 1 && $0 <= 8 })
        #expect(backoff.failures == 6)
        backoff.succeed()
        #expect(backoff.failures == 0)
        #expect(backoff.fail() <= 2)
    }
}
