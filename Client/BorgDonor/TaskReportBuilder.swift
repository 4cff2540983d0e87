import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation

/// Builds a task's report from its task directory: every file in `out/`, small ones inline,
/// large ones uploaded first.
public enum TaskReportBuilder {
    /// Outputs larger than this are uploaded before the report instead of travelling inline.
    public static let inlineLimit = 1 << 20

    /// The report of `task`, whose outputs are in `directory/out`.
    public static func report(for task: LocalTask, directory: URL, client: CoordinatorClient, host: HostID) async throws
        -> TaskReport
    {
        if let message = task.errorMessage {
            return TaskReport(taskID: task.id, status: .error, cpuSeconds: task.cpuSeconds,
                measuredWork: task.fuel, errorMessage: message)
        }
        let out = directory.appendingPathComponent("out")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.sorted() ?? []
        var outputs: [ReportedOutput] = []
        for name in names {
            guard let data = FileManager.default.contents(atPath: out.appendingPathComponent(name).path) else { continue }
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
}
