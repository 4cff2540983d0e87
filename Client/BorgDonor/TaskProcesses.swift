import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Finds and ends the task processes a killed client (`kill -9`) left behind. Each task runs under a
/// `borg-sandbox run … --dir <data>/tasks/<id>` process that leads its own session and process group; a
/// native app lives in a PID namespace that dies with it, and cannot leave the group (setsid and setpgid
/// are refused), so killing the group ends every process of the task.
public enum TaskProcesses {
    /// One leftover: the sandbox's process id (and group) and the name of its task directory.
    public typealias Leftover = (pid: Int32, task: String)

    /// The live `borg-sandbox run` processes that work in `directory`'s task directories, found in
    /// `/proc` whether or not `state.json` recorded them.
    public static func sandboxes(in directory: DataDirectory) -> [Leftover] {
        let prefix = directory.tasks.path + "/"
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        return pids.compactMap { pid in
            let argv = arguments(of: pid)
            guard argv.count > 3, argv[0].hasSuffix("borg-sandbox"), argv[1] == "run",
                let flag = argv.firstIndex(of: "--dir"), flag + 1 < argv.count, argv[flag + 1].hasPrefix(prefix)
            else { return nil }
            return (pid, String(argv[flag + 1].dropFirst(prefix.count)))
        }
    }

    /// Kills the process group of every sandbox still working in `directory` (SIGCONT, so a paused one
    /// dies at once, then SIGKILL), waits up to 5 s for the groups to be gone, and returns them.
    @discardableResult
    public static func endLeftovers(in directory: DataDirectory) -> [Leftover] {
        let leftovers = sandboxes(in: directory).filter { getpgid($0.pid) == $0.pid }
        for leftover in leftovers {
            kill(-leftover.pid, SIGCONT)
            kill(-leftover.pid, SIGKILL)
        }
        // Until the sandbox and every process of its group are gone (SIGKILL is delivered asynchronously).
        for _ in 0..<250 where leftovers.contains(where: { isSandbox($0.pid) || kill(-$0.pid, 0) == 0 }) { usleep(20_000) }
        return leftovers
    }

    /// Whether `pid` is a live `borg-sandbox` process (an exited one waiting to be reaped is not).
    public static func isSandbox(_ pid: Int32) -> Bool {
        pid > 1 && arguments(of: pid).first?.hasSuffix("borg-sandbox") == true
    }

    private static func arguments(of pid: Int32) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
