import Foundation

/// A real `borg-server` process with a port it picked itself, on 127.0.0.1 or on a node of a
/// ``NetworkLab``; stopped by PID.
public final class ServerProcess: @unchecked Sendable {
    public let dataDirectory: URL
    public let process: Process
    public let host: String
    public let port: Int
    public let logFile: URL

    public var url: String { "http://\(host):\(port)" }
    public var pid: Int32 { process.processIdentifier }

    /// Starts `borg-server` on `dataDirectory` and waits until it listens: on 127.0.0.1, or on `node`'s
    /// address inside its namespace when `lab` is given.
    public init(dataDirectory: URL, arguments: [String] = [], executable: URL = BuildProducts.executable("borg-server"),
                lab: NetworkLab? = nil, node: String = "") throws {
        self.dataDirectory = dataDirectory
        host = lab?.address(of: node) ?? "127.0.0.1"
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let portFile = dataDirectory.appendingPathComponent("port")
        try? FileManager.default.removeItem(at: portFile)
        logFile = dataDirectory.appendingPathComponent("server-\(UUID().uuidString.prefix(6)).log")
        let serve = ["serve", "--data-dir", dataDirectory.path, "--listen", "\(host):0", "--port-file", portFile.path] + arguments
        if let lab {
            process = try lab.start(node, executable, serve, log: logFile)
        } else {
            FileManager.default.createFile(atPath: logFile.path, contents: nil)
            let log = try FileHandle(forWritingTo: logFile)
            process = Process()
            process.executableURL = executable
            process.arguments = serve
            process.standardOutput = log
            process.standardError = log
            try process.run()
        }
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while Date() < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                found = p
                break
            }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        guard let found else {
            process.terminate()
            let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            throw HarnessError("borg-server did not start: \(output.suffix(2000))")
        }
        port = found
    }

    /// The admin key the server wrote on first start.
    public var adminKey: String {
        get throws {
            try String(contentsOf: dataDirectory.appendingPathComponent("admin.key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Sends `signal` and waits for the process to exit; returns its exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(pid, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Resident memory in bytes, from /proc.
    public var residentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb * 1024
    }

    deinit { if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() } }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
