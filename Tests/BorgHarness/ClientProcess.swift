import Foundation

/// A real `borg-client run` process on a data directory, its output in a log file; stopped by PID.
public final class ClientProcess: @unchecked Sendable {
    public let dataDirectory: URL
    public let process: Process
    public let logFile: URL

    public var pid: Int32 { process.processIdentifier }

    /// Starts `borg-client run --data-dir dataDirectory` (the host must be enrolled there).
    public init(dataDirectory: URL, arguments: [String] = [], executable: URL = BuildProducts.executable("borg-client")) throws {
        self.dataDirectory = dataDirectory
        logFile = dataDirectory.deletingLastPathComponent().appendingPathComponent(
            "\(dataDirectory.lastPathComponent)-\(UUID().uuidString.prefix(6)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process = Process()
        process.executableURL = executable
        process.arguments = ["run", "--data-dir", dataDirectory.path] + arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Everything the client printed so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the process to exit; returns its exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(pid, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() } }
}
