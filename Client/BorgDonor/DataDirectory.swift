import BorgCore
import BorgSandbox
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The client's data directory and the files in it. Everything the client writes is inside it.
public struct DataDirectory: Sendable {
    /// The directory itself.
    public let root: URL

    public init(_ path: String) {
        root = URL(fileURLWithPath: path).standardizedFileURL
    }

    /// `--data-dir`, else `BORG_CLIENT_DIR`, else `/var/lib/borg` for root, else
    /// `~/.local/share/borg/client`.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> DataDirectory
    {
        if let option, !option.isEmpty { return DataDirectory(option) }
        if let path = environment["BORG_CLIENT_DIR"], !path.isEmpty { return DataDirectory(path) }
        if getuid() == 0 { return DataDirectory("/var/lib/borg") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return DataDirectory(home + "/.local/share/borg/client")
    }

    /// Identity and caps (`config.json`).
    public var configuration: URL { root.appendingPathComponent("config.json") }
    /// Tasks and their progress (`state.json`).
    public var state: URL { root.appendingPathComponent("state.json") }
    /// Project public keys pinned on first sight (`pinned-keys.json`).
    public var pinnedKeys: URL { root.appendingPathComponent("pinned-keys.json") }
    /// The last statistics the coordinator sent (`stats.json`), for the offline view.
    public var statsCache: URL { root.appendingPathComponent("stats.json") }
    /// The running daemon's process id (`daemon.pid`).
    public var pidFile: URL { root.appendingPathComponent("daemon.pid") }
    /// Downloaded app files by SHA-256.
    public var apps: URL { root.appendingPathComponent("apps") }
    /// One directory per task.
    public var tasks: URL { root.appendingPathComponent("tasks") }
    /// The pieces this host stores for the grid (storage donation).
    public var pieces: URL { root.appendingPathComponent("storage/pieces") }

    /// The directory of one task.
    public func taskDirectory(_ id: TaskID) -> URL { tasks.appendingPathComponent(String(id.rawValue)) }

    /// Whether a host is enrolled here.
    public var isEnrolled: Bool { FileManager.default.fileExists(atPath: configuration.path) }

    /// Creates the directory and its subdirectories, owner-only. A client running as root runs apps as
    /// `nobody`, whose sandbox must look its task directory up by path: the directory and `tasks/` are then
    /// searchable by others (0711) but not listable, and each task directory is `nobody`'s alone (0700).
    public func create() throws {
        for url in [root, apps, tasks] {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let searchable: mode_t = geteuid() == 0 ? 0o711 : 0o700
        for url in [root, tasks] where chmod(url.path, searchable) != 0 {
            throw DonorError("cannot set the permissions of '\(url.path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Deletes everything the client wrote: the directory's contents, however deep an app nested them
    /// (never following a link), then the directory itself. A directory this user may not remove (a
    /// service's `/var/lib/borg`, whose parent only root may change) is left empty: the returned note
    /// says so; `nil` when the directory is gone.
    public func delete() throws -> String? {
        let path = root.path
        do {
            for name in try FileManager.default.contentsOfDirectory(atPath: path) {
                try DirectoryTree.remove(path + "/" + name)
            }
        } catch {
            throw DonorError("could not delete what is in '\(path)': \(error)")
        }
        guard rmdir(path) != 0 else { return nil }
        let reason = String(cString: strerror(errno))
        guard errno == EACCES || errno == EPERM else { throw DonorError("could not delete '\(path)': \(reason)") }
        return "note: '\(path)' is empty but stays: this user may not remove it (\(reason)); for a systemd install, Client/systemd/unenroll.sh removes it"
    }

    /// The process id of a live daemon of this directory, if one is running.
    public var runningDaemon: pid_t? {
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
            let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
            command.contains("borg-client")
        else { return nil }
        return pid
    }
}
