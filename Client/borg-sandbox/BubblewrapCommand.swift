#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `bwrap` command line that builds a native app's sandbox and runs the app in it:
///
/// - new user, PID, network, IPC, UTS and cgroup namespaces; nested user namespaces disabled; the app
///   is killed when bwrap or its parent dies, and with the PID namespace every process it started;
/// - a mount namespace on an empty root made read-only, holding only `/usr` (and the `/bin`, `/sbin`,
///   `/lib*` beside it), the dynamic linker's and `alternatives`' files from `/etc`, a fresh `/proc`,
///   five harmless devices, a read-only copy of the app at `/app` and the task directory, the only
///   writable place, at `/task` (its working directory and `HOME`). The client's data directory, other
///   tasks, apps and keys, `/home`, `/root`, `/tmp` and the rest of `/etc` do not exist there;
/// - the environment `PATH`, `HOME`, `TMPDIR` and `LC_ALL` only, and the seccomp filter
///   (``SeccompFilter``) when this machine has one.
///
/// The task directory, app, filter and status pipe are passed as open descriptors (``Descriptor``).
/// bwrap still looks the task directory up by its path, so the app's user must be able to search the
/// directories above it (``AppUser/blockedAncestor(of:)``); the app is copied from its descriptor, so
/// its path needs no such access.
struct BubblewrapCommand {
    /// The descriptor numbers the launcher hands to bwrap.
    enum Descriptor {
        static let taskDirectory: Int32 = 4
        static let app: Int32 = 5
        static let seccomp: Int32 = 6
        static let status: Int32 = 7
    }

    /// Where the task directory appears in the sandbox.
    static let taskPath = "/task"
    /// The host name the app sees instead of the donor's.
    static let hostName = "borg-task"

    let bwrap: String
    let user: AppUser
    let arguments: [String]
    /// Whether descriptor ``Descriptor/seccomp`` holds a filter to install.
    let seccomp: Bool

    /// The argv to execute (`bwrap` first).
    var argv: [String] {
        var line = [
            bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--uid", String(user.uid), "--gid", String(user.gid), "--hostname", Self.hostName,
            "--ro-bind", "/usr", "/usr",
        ]
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] { line += Self.mirror(top) }
        for file in ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime"] {
            line += ["--ro-bind-try", file, file]
        }
        line += ["--proc", "/proc", "--dir", "/dev"]
        for device in ["null", "zero", "full", "random", "urandom"] {
            line += ["--dev-bind", "/dev/\(device)", "/dev/\(device)"]
        }
        line += [
            "--bind-fd", String(Descriptor.taskDirectory), Self.taskPath,
            "--perms", "0555", "--ro-bind-data", String(Descriptor.app), "/app",
            "--remount-ro", "/",
            "--chdir", Self.taskPath, "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", Self.taskPath,
            "--setenv", "TMPDIR", Self.taskPath, "--setenv", "LC_ALL", "C",
            "--json-status-fd", String(Descriptor.status),
        ]
        if seccomp { line += ["--seccomp", String(Descriptor.seccomp)] }
        return line + ["--", "/app"] + arguments
    }

    /// `/bin` and its kin as the host has them: the same symbolic link (merged `/usr`), the directory
    /// read-only, or nothing when absent.
    private static func mirror(_ path: String) -> [String] {
        var info = stat()
        guard lstat(path, &info) == 0 else { return [] }
        if info.st_mode & S_IFMT == S_IFLNK {
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(path, &target, target.count - 1)
            guard length > 0 else { return [] }
            return ["--symlink", String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self), path]
        }
        return info.st_mode & S_IFMT == S_IFDIR ? ["--ro-bind", path, path] : []
    }
}
