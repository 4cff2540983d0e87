import BorgAPIClient
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Gets a held task ready to run: downloads (or finds cached) its app and inputs, each verified by
/// SHA-256, and checks the app's signature against the project's key, pinned on first sight
/// (``AppSignatureVerifier``).
public struct TaskPreparer: Sendable {
    private let directory: DataDirectory
    private let client: CoordinatorClient
    private let verifier: AppSignatureVerifier

    /// A preparer that keeps apps and task directories in `directory` and downloads through `client`.
    public init(directory: DataDirectory, client: CoordinatorClient) {
        self.directory = directory
        self.client = client
        verifier = AppSignatureVerifier(directory: directory)
    }

    /// Fills `task`'s directory (`in/` with its inputs, an empty `out/`) and returns the verified app
    /// file (`apps/<sha256>`). A ``DonorError`` means the task can never run (its app is refused, an
    /// input name is not a plain file name); any other error is a failed download, to retry later.
    public func prepare(_ task: LocalTask) async throws -> URL {
        let assignment = task.assignment
        let app = directory.apps.appendingPathComponent(assignment.app.sha256)
        let appData: Data
        if let cached = FileManager.default.contents(atPath: app.path) {
            appData = cached
        } else {
            appData = try await client.download(assignment.app.sha256)
        }
        try verifier.verify(app: appData, project: assignment.project, sha256: assignment.app.sha256,
            signature: assignment.appSignature, publicKey: assignment.projectPublicKey)
        if !FileManager.default.fileExists(atPath: app.path) {
            try AtomicFile.write(appData, to: app)
            chmod(app.path, 0o755)
        }
        let taskDirectory = directory.taskDirectory(task.id)
        let inputs = taskDirectory.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: taskDirectory.appendingPathComponent("out"), withIntermediateDirectories: true)
        for input in assignment.inputs {
            guard !input.name.isEmpty, !input.name.contains("/"), input.name != "..", input.name != "." else {
                throw DonorError("input name '\(input.name)' is not a plain file name")
            }
            let file = inputs.appendingPathComponent(input.name)
            if FileManager.default.fileExists(atPath: file.path) { continue }
            try AtomicFile.write(try await client.download(input.sha256), to: file)
        }
        return app
    }
}
