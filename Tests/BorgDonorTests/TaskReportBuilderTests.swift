import BorgAPIClient
import BorgCore
import BorgDonor
import BorgProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// ``TaskReportBuilder`` reading a task directory an app shaped: regular files are outputs, anything that
/// could lead the client elsewhere turns the report into an error, and nothing outside is ever read.
struct TaskReportBuilderTests {
    static let secret = #"{"hostSecret": "s3cr3t"}"#

    /// Runs `body` with a task directory (holding `out/`) in a data directory whose `config.json` holds a secret.
    static func withTask(_ body: (LocalTask, URL, DataDirectory) async throws -> Void) async throws {
        let directory = try TaskBookTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        try Data(secret.utf8).write(to: directory.configuration)
        let task = LocalTask(assignment: TaskBookTests.assignment(9))
        let taskDirectory = directory.taskDirectory(task.id)
        try FileManager.default.createDirectory(at: taskDirectory.appendingPathComponent("out"), withIntermediateDirectories: true)
        try await body(task, taskDirectory, directory)
    }

    static func report(_ task: LocalTask, _ directory: URL) async throws -> TaskReport {
        // Outputs this small travel inline: the coordinator is never contacted.
        try await TaskReportBuilder.report(
            for: task, directory: directory, client: CoordinatorClient(coordinators: [try LiveCoordinator.closedPortURL()]),
            host: 1)
    }

    @Test func regularFilesAreTheOutputsAndSubdirectoriesAreNot() async throws {
        try await Self.withTask { task, directory, _ in
            try Data("42\n".utf8).write(to: directory.appendingPathComponent("out/answer"))
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("out/scratch"), withIntermediateDirectories: true)
            let report = try await Self.report(task, directory)
            #expect(report.status == .success)
            #expect(report.outputs.map(\.name) == ["answer"])
            #expect(report.outputs.first?.data == Data("42\n".utf8).base64EncodedString())
        }
    }

    @Test func anOutputLinkedToTheDonorsSecretTurnsTheReportIntoAnError() async throws {
        try await Self.withTask { task, directory, _ in
            try Data("42\n".utf8).write(to: directory.appendingPathComponent("out/answer"))
            try FileManager.default.createSymbolicLink(
                atPath: directory.appendingPathComponent("out/secret").path, withDestinationPath: "../../../config.json")
            let report = try await Self.report(task, directory)
            #expect(report.status == .error)
            #expect(report.outputs.isEmpty)
            #expect(report.errorMessage == "outputs refused: output 'secret' is a symbolic link; outputs must be regular files")
            #expect(!"\(report)".contains("s3cr3t") && !"\(report)".contains(Data(Self.secret.utf8).base64EncodedString()))
        }
    }

    @Test func anOutputDirectoryLinkedElsewhereIsRefused() async throws {
        try await Self.withTask { task, directory, data in
            let out = directory.appendingPathComponent("out")
            try FileManager.default.removeItem(at: out)
            try FileManager.default.createSymbolicLink(atPath: out.path, withDestinationPath: data.root.path)
            let report = try await Self.report(task, directory)
            #expect(report.status == .error)
            #expect(report.errorMessage?.hasSuffix("/out is a symbolic link, not a directory") == true, "\(report)")
        }
    }

    /// The project's limit (10 bytes here) is checked before the file is read into memory.
    @Test func anOutputLargerThanTheProjectAllowsIsRefused() async throws {
        try await Self.withTask { task, directory, _ in
            try Data(count: 11).write(to: directory.appendingPathComponent("out/big"))
            let report = try await Self.report(task, directory)
            #expect(report.status == .error)
            #expect(report.errorMessage?.hasSuffix("/out/big holds 11 bytes, more than the 10 allowed") == true, "\(report)")
        }
    }

    /// A FIFO would block the client forever if it were opened for reading.
    @Test func anOutputThatIsAFIFOIsRefusedWithoutBlocking() async throws {
        try await Self.withTask { task, directory, _ in
            #expect(mkfifo(directory.appendingPathComponent("out/pipe").path, 0o644) == 0)
            let report = try await Self.report(task, directory)
            #expect(report.status == .error)
            #expect(report.errorMessage == "outputs refused: output 'pipe' is a FIFO; outputs must be regular files")
        }
    }
}
