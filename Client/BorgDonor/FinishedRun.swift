import BorgCore
import BorgSandbox

/// One run of a task that ended: how it ended, and the last line its app wrote to standard error.
public struct FinishedRun: Sendable, Equatable {
    /// The task that ran.
    public let taskID: TaskID
    /// The sandbox's result of the run.
    public let result: SandboxResult
    /// The last line of the task's `stderr.txt`, if it wrote any.
    public let lastLine: String?

    public init(taskID: TaskID, result: SandboxResult, lastLine: String?) {
        self.taskID = taskID
        self.result = result
        self.lastLine = lastLine
    }

    /// Why the run failed, as reported (`app STATUS (exit code N): MESSAGE`); `nil` when the app succeeded.
    public var errorMessage: String? {
        guard !result.succeeded else { return nil }
        let exit = result.exitCode.map { " (exit code \($0))" } ?? ""
        return "app \(result.status.rawValue)\(exit): \(result.message ?? lastLine ?? "no message")"
    }
}
