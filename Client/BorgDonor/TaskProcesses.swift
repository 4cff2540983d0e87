import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Ends task process groups left behind by a client that was killed (`kill -9`): a group is
/// killed only if its leader is still a `borg-sandbox` process, never a reused process id.
public enum TaskProcesses {
    /// Whether `group`'s leader is a live `borg-sandbox` process.
    public static func isSandbox(_ group: Int32) -> Bool {
        guard group > 1, let command = try? String(contentsOfFile: "/proc/\(group)/cmdline", encoding: .utf8) else {
            return false
        }
        return command.contains("borg-sandbox")
    }

    /// Kills `group` (SIGKILL to the whole group) if it is a leftover sandbox; waits up to 5 s for it to go.
    public static func killLeftover(_ group: Int32) {
        guard isSandbox(group) else { return }
        kill(-group, SIGCONT)
        kill(-group, SIGKILL)
        for _ in 0..<250 where isSandbox(group) { usleep(20_000) }
    }
}
