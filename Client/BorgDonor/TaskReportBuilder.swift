import BorgAPIClient
import BorgCore
import BorgProtocol
import BorgSandbox
import Foundation

/// Builds a task's report from its task directory: every regular file in `out/`, small ones inline,
/// large ones uploaded first.
public enum TaskReportBuilder {
    /// Outputs larger than this are uploaded before the report instead of travelling inline.
    public static let inlineLimit = 1 << 20

    /// The report of `task`, whose outputs are in `directory/out`. The app shaped that directory, so it
    /// is read as ``TaskDirectory`` reads: a symbolic link, FIFO, socket or device among the outputs (or
    /// as `out` itself) turns the report into an error naming it, and nothing outside is ever read.
    /// Subdirectories of `out/` are not outputs; one larger than the project's `maxOutputBytes` is refused
    /// before it is read. Throws only when an upload fails.
    public static func report(for task: LocalTask, directory: URL, client: CoordinatorClient, host: HostID) async throws
        -> TaskReport
    {
        if let message = task.errorMessage { return failure(task, message) }
        let files: [(name: String, data: Data)]
        do {
            files = try outputs(in: directory, limit: task.assignment.maxOutputBytes)
        } catch {
            return failure(task, "outputs refused: \(error)")
        }
        var outputs: [ReportedOutput] = []
        for (name, data) in files {
            let sha = CoordinatorClient.sha256(data)
            if data.count <= inlineLimit {
                outputs.append(ReportedOutput(name: name, sha256: sha, size: Int64(data.count), data: data.base64EncodedString()))
            } else {
                _ = try await client.upload(data, host: host)
                outputs.append(ReportedOutput(name: name, sha256: sha, size: Int64(data.count)))
            }
        }
        return TaskReport(taskID: task.id, status: .success, outputs: outputs, cpuSeconds: task.cpuSeconds,
            measuredWork: task.fuel)
    }

    /// The regular files in `directory/out` of at most `limit` bytes each, by name; none when `out` is missing.
    private static func outputs(in directory: URL, limit: Int) throws(SandboxError) -> [(name: String, data: Data)] {
        guard let out = try TaskDirectory(directory.path).subdirectory("out") else { return [] }
        var files: [(name: String, data: Data)] = []
        for name in try out.names() {
            switch try out.kind(of: name) {
            case .regularFile?: files.append((name, try out.read(name, limit: max(0, limit))))
            case .directory?, nil: continue
            case .other(let what)?: throw .system("output '\(name)' is \(what); outputs must be regular files")
            }
        }
        return files
    }

    private static func failure(_ task: LocalTask, _ message: String) -> TaskReport {
        TaskReport(taskID: task.id, status: .error, cpuSeconds: task.cpuSeconds, measuredWork: task.fuel, errorMessage: message)
    }
}
