/// Why the sandbox could not start or supervise a task. A task that ran and failed is not
/// an error: it is a ``SandboxResult`` whose ``SandboxResult/succeeded`` is `false`.
public enum SandboxError: Error, Equatable, CustomStringConvertible {
    /// A limit is out of range (the message names it).
    case invalidLimit(String)
    /// The task directory does not exist or is not a directory.
    case badTaskDirectory(String)
    /// The `borg-sandbox` executable was not found (the message says where it was looked for).
    case sandboxNotFound(String)
    /// A system call failed (the message names it and the errno text).
    case system(String)

    public var description: String {
        switch self {
        case .invalidLimit(let message): "invalid limit: \(message)"
        case .badTaskDirectory(let path): "task directory \(path) does not exist or is not a directory"
        case .sandboxNotFound(let message): "borg-sandbox executable not found: \(message)"
        case .system(let message): message
        }
    }
}
