import BorgAPIClient
import BorgCore
import BorgDonor
import BorgProtocol
import Crypto
import Foundation
import Testing

/// ``TaskPreparer`` downloading a real assignment's files from a real coordinator on 127.0.0.1.
struct TaskPreparerTests {
    static let app = Data("the app's bytes".utf8)
    static let input = Data("0 1000\n".utf8)

    /// Runs `body` with a task assigned by a coordinator (project `p`, app signed by the private key
    /// `signingKey`, input `range`) and a preparer for a new data directory.
    static func withAssignment(
        signingKey: Data = Curve25519.Signing.PrivateKey().rawRepresentation,
        _ body: @escaping @Sendable (TaskAssignment, TaskPreparer, DataDirectory) async throws -> Void
    ) async throws {
        try await LiveCoordinator.with { coordinator in
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: signingKey)
            try await coordinator.createProject("p", app: app, signedBy: key)
            try await coordinator.submit(to: "p", inputs: ["range": input])
            let host = try await coordinator.enroll("ada")
            let client = CoordinatorClient(coordinators: [coordinator.url], credential: host.hostSecret)
            let assignment = try #require(try await client.requestWork(host: host.hostID, maxTasks: 1).tasks.first)
            let directory = try TaskBookTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory.root) }
            try await body(assignment, TaskPreparer(directory: directory, client: client), directory)
        }
    }

    @Test func downloadsAndVerifiesTheAppAndInputs() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        try await Self.withAssignment(signingKey: key.rawRepresentation) { assignment, preparer, directory in
            let app = try await preparer.prepare(LocalTask(assignment: assignment))
            #expect(app == directory.apps.appendingPathComponent(assignment.app.sha256))
            #expect(FileManager.default.contents(atPath: app.path) == Self.app)
            #expect(FileManager.default.isExecutableFile(atPath: app.path))
            let task = directory.taskDirectory(assignment.taskID)
            #expect(FileManager.default.contents(atPath: task.appendingPathComponent("in/range").path) == Self.input)
            #expect(FileManager.default.fileExists(atPath: task.appendingPathComponent("out").path))
            let pinned = try AppSignatureVerifier(directory: directory).pinnedKeys()
            #expect(pinned == ["p": publicKey])
            // Prepared again (after a restart), from the files already there.
            #expect(try await preparer.prepare(LocalTask(assignment: assignment)) == app)
        }
    }

    @Test(arguments: ["sub/range", "../range", "..", ""])
    func refusesAnInputThatIsNotAPlainFileName(name: String) async throws {
        try await Self.withAssignment { assignment, preparer, directory in
            var tampered = assignment
            tampered.inputs[0].name = name
            await #expect {
                try await preparer.prepare(LocalTask(assignment: tampered))
            } throws: { ($0 as? DonorError)?.description == "input name '\(name)' is not a plain file name" }
            let inputs = directory.taskDirectory(assignment.taskID).appendingPathComponent("in")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: inputs.path)) == [])
            #expect(!FileManager.default.fileExists(atPath: directory.tasks.appendingPathComponent("range").path))
        }
    }

    @Test func refusesAnAppWithABadSignatureAndKeepsNothing() async throws {
        try await Self.withAssignment { assignment, preparer, directory in
            var tampered = assignment
            tampered.appSignature = try Curve25519.Signing.PrivateKey().signature(for: Data(assignment.app.sha256.utf8))
                .base64EncodedString()
            await #expect {
                try await preparer.prepare(LocalTask(assignment: tampered))
            } throws: {
                ($0 as? DonorError)?.description.hasPrefix("app signature invalid: the signature does not match") == true
            }
            #expect(!FileManager.default.fileExists(atPath: directory.apps.appendingPathComponent(assignment.app.sha256).path))
            #expect(!FileManager.default.fileExists(atPath: directory.taskDirectory(assignment.taskID).path))
            #expect(try AppSignatureVerifier(directory: directory).pinnedKeys().isEmpty)
        }
    }

    /// After a restart the task directory is the app's: an `in` it replaced with a link to elsewhere is
    /// refused, and no input is written through it.
    @Test func anInputDirectoryReplacedByALinkIsNeverWrittenThrough() async throws {
        try await Self.withAssignment { assignment, preparer, directory in
            let elsewhere = directory.root.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            let inputs = directory.taskDirectory(assignment.taskID).appendingPathComponent("in")
            try FileManager.default.createDirectory(at: inputs.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: inputs.path, withDestinationPath: elsewhere.path)
            await #expect {
                try await preparer.prepare(LocalTask(assignment: assignment))
            } throws: {
                ($0 as? DonorError)?.description == "the task directory cannot be used: \(inputs.path) is a symbolic link, not a directory"
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        }
    }

    @Test func anInputReplacedByALinkIsRefused() async throws {
        try await Self.withAssignment { assignment, preparer, directory in
            _ = try await preparer.prepare(LocalTask(assignment: assignment))
            let range = directory.taskDirectory(assignment.taskID).appendingPathComponent("in/range")
            try FileManager.default.removeItem(at: range)
            try FileManager.default.createSymbolicLink(atPath: range.path, withDestinationPath: directory.configuration.path)
            await #expect {
                try await preparer.prepare(LocalTask(assignment: assignment))
            } throws: {
                ($0 as? DonorError)?.description == "in/range is no longer a regular file; the app replaced its input"
            }
        }
    }

    @Test func aFailedDownloadIsNotARefusal() async throws {
        let directory = try TaskBookTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        let preparer = TaskPreparer(directory: directory, client: CoordinatorClient(coordinators: [try LiveCoordinator.closedPortURL()]))
        await #expect {
            try await preparer.prepare(LocalTask(assignment: TaskBookTests.assignment(5)))
        } throws: { $0 is APIClientError }
    }
}
