import BorgAPIClient
import BorgSandbox
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
    /// input name is not a plain file name, or the app of an earlier run left something other than a
    /// directory as `in` or `out`, or other than a regular file as an input); any other error is a failed
    /// download, to retry later. After a restart the directory is the app's: every name in it is opened
    /// without following it (``TaskDirectory``), so no input is ever written through a link.
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
        try FileManager.default.createDirectory(at: directory.taskDirectory(task.id), withIntermediateDirectories: true)
        let inputs: TaskDirectory
        do {
            let taskDirectory = try TaskDirectory(directory.taskDirectory(task.id).path)
            _ = try taskDirectory.subdirectory("out", create: true)
            guard let created = try taskDirectory.subdirectory("in", create: true) else {
                throw SandboxError.system("\(taskDirectory.path)/in vanished")
            }
            inputs = created
        } catch {
            throw DonorError("the task directory cannot be used: \(error)")
        }
        for input in assignment.inputs {
            guard !input.name.isEmpty, !input.name.contains("/"), input.name != "..", input.name != "." else {
                throw DonorError("input name '\(input.name)' is not a plain file name")
            }
            let kind: TaskDirectory.Kind?
            do {
                kind = try inputs.kind(of: input.name)
            } catch {
                throw DonorError("input '\(input.name)' cannot be checked: \(error)")
            }
            switch kind {
            case .regularFile?:
                continue
            case nil:
                let data = try await client.download(input.sha256)
                do {
                    try inputs.write(data, to: input.name)
                } catch {
                    throw DonorError("input '\(input.name)' cannot be written: \(error)")
                }
            case .directory?, .other?:
                throw DonorError("in/\(input.name) is no longer a regular file; the app replaced its input")
            }
        }
        return app
    }
}
