import BorgCore
import BorgDonor
import BorgProtocol
import BorgSandbox
import Foundation
import Testing

struct TaskBookTests {
    static func assignment(_ id: TaskID, bytes: Int64 = 2) -> TaskAssignment {
        TaskAssignment(
            taskID: id, workUnitID: 1, workUnitName: "wu", project: "p", platform: "wasm",
            app: FileRef(name: "app", sha256: "ab", size: bytes), appSignature: "", projectPublicKey: "", inputs: [],
            deadline: 1e10, estimatedFlops: 1, maxOutputBytes: 10)
    }

    static func temporaryDirectory() throws -> DataDirectory {
        let directory = DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("borg-book-\(UUID().uuidString.prefix(8))").path)
        try directory.create()
        return directory
    }

    @Test func accumulatesRunsAndSurvivesAReload() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        var book = try TaskBook(directory: directory)
        try book.admit([Self.assignment(7), Self.assignment(3)])
        var task = try #require(book[7])
        task = try book.markStarted(task, processGroup: 4242)
        #expect(task.phase == .running && task.processGroup == 4242 && task.runs == 1)

        // The daemon stopped mid-run: the run counts, the task waits to run again.
        let stopped = FinishedRun(taskID: 7, result: SandboxResult(status: .killed, cpuSeconds: 1.5, fuelUsed: 10), lastLine: nil)
        task = try #require(try book.record(stopped, interrupted: true))
        #expect(task.phase == .waiting && task.processGroup == nil && task.errorMessage == nil)

        task = try book.markStarted(task, processGroup: 4343)
        let failed = FinishedRun(taskID: 7, result: SandboxResult(status: .exited, exitCode: 3, cpuSeconds: 2, fuelUsed: 5), lastLine: "boom")
        _ = try book.record(failed, interrupted: false)

        var reloaded = try TaskBook(directory: directory)
        #expect(reloaded.state == book.state)
        let finished = try #require(reloaded[7])
        #expect(finished.phase == .finished && finished.runs == 2 && finished.processGroup == nil)
        #expect(finished.cpuSeconds == 3.5 && finished.fuel == 15)
        #expect(finished.errorMessage == "app exited (exit code 3): boom")
        #expect(reloaded.tasks(in: .waiting).map(\.id) == [3])

        // Its accepted report counts in the totals; its files go.
        let files = directory.taskDirectory(7).appendingPathComponent("out")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        try reloaded.discard(7, reported: true)
        try reloaded.discard(3)
        #expect(!FileManager.default.fileExists(atPath: directory.taskDirectory(7).path))
        let totals = try TaskBook(directory: directory).state
        #expect(totals.tasks.isEmpty && totals.reported == 1 && totals.reportedErrors == 1 && totals.cpuSeconds == 3.5)
    }

    @Test func requeuesRunsAStoppedDaemonLeftAndFailsRefusedTasks() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        var book = try TaskBook(directory: directory)
        try book.admit([Self.assignment(1), Self.assignment(2)])
        _ = try book.markStarted(try #require(book[1]), processGroup: 99)
        try book.fail(2, "app signature invalid: unsigned")

        var restarted = try TaskBook(directory: directory)
        #expect(restarted.tasks(in: .running).map(\.id) == [1])
        try restarted.requeue([1])
        let reloaded = try TaskBook(directory: directory)
        #expect(reloaded[1]?.phase == .waiting && reloaded[1]?.processGroup == nil && reloaded[1]?.runs == 1)
        #expect(reloaded[2]?.phase == .finished && reloaded[2]?.errorMessage == "app signature invalid: unsigned")
    }

    /// `state.json` as the daemon wrote it before the split: it loads, and saving it again writes the same bytes.
    @Test func keepsTheStateFileFormat() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        try Data(Self.savedState.utf8).write(to: directory.state)
        var book = try TaskBook(directory: directory)
        #expect(book.count == 1 && book.state.reported == 2 && book.state.cpuSeconds == 4.5)
        let task = try #require(book[7])
        #expect(task.phase == .running && task.processGroup == 321 && task.runs == 1 && task.assignment == Self.assignment(7))
        try book.requeue([])
        #expect(try String(contentsOf: directory.state, encoding: .utf8) == Self.savedState)
    }

    /// `state.json` as every version of the client wrote it: tasks keyed by their id's decimal text.
    static let savedState = """
        {
          "cpuSeconds" : 4.5,
          "reported" : 2,
          "reportedErrors" : 0,
          "tasks" : {
            "7" : {
              "assignment" : {
                "app" : {
                  "name" : "app",
                  "sha256" : "ab",
                  "size" : 2
                },
                "appSignature" : "",
                "deadline" : 10000000000,
                "estimatedFlops" : 1,
                "inputs" : [

                ],
                "maxOutputBytes" : 10,
                "platform" : "wasm",
                "project" : "p",
                "projectPublicKey" : "",
                "taskID" : 7,
                "workUnitID" : 1,
                "workUnitName" : "wu"
              },
              "cpuSeconds" : 0,
              "fuel" : 0,
              "phase" : "running",
              "processGroup" : 321,
              "runs" : 1
            }
          }
        }
        """
}
