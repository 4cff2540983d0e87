import BorgSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The user an app runs as. Apps never run as root: a sandbox started by root runs them as `nobody`
/// (and hands the task directory to it first); any other user runs them as itself, inside the task's own
/// user namespace.
struct AppUser {
    let uid: uid_t
    let gid: gid_t

    /// The user apps run as when this process starts them.
    static var forThisProcess: AppUser {
        guard geteuid() == 0 else { return AppUser(uid: getuid(), gid: getgid()) }
        guard let nobody = getpwnam("nobody") else { return AppUser(uid: 65534, gid: 65534) }
        return AppUser(uid: nobody.pointee.pw_uid, gid: nobody.pointee.pw_gid)
    }

    /// Whether starting an app means leaving this process's user (this process is root).
    var isAnotherUser: Bool { uid != geteuid() }

    /// Makes `directory` and everything in it this user's (without following symbolic links), so the app
    /// can write its outputs and checkpoints and read the inputs the client wrote since its last run; the
    /// directory itself becomes private to the app's user.
    func handOver(_ taskDirectory: TaskDirectory) throws(SandboxError) {
        guard isAnotherUser else { return }
        let directory = taskDirectory.path
        guard fchown(taskDirectory.descriptor, uid, gid) == 0, fchmod(taskDirectory.descriptor, 0o700) == 0 else {
            throw .system("cannot give \(directory) to the app's user \(uid): \(String(cString: strerror(errno)))")
        }
        try DirectoryTree.walk(directory) { (parent, name, info) throws(SandboxError) in
            if info.st_uid != uid || info.st_gid != gid,
                fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0, errno != ENOENT
            {
                throw .system("cannot give \(name) in \(directory) to the app's user: \(String(cString: strerror(errno)))")
            }
            return true
        }
    }

    /// The first directory above `path` (absolute) that this user may not search, or `nil` when it can
    /// reach `path`. bwrap looks the task directory up by its path as this user.
    func blockedAncestor(of path: String) -> String? {
        var ancestor = ""
        for component in path.split(separator: "/").dropLast() {
            ancestor += "/" + component
            var info = stat()
            guard stat(ancestor, &info) == 0 else { return ancestor }
            let bit: mode_t = info.st_uid == uid ? S_IXUSR : info.st_gid == gid ? S_IXGRP : S_IXOTH
            if info.st_mode & bit == 0 { return ancestor }
        }
        return nil
    }

    /// Becomes this user for good (no supplementary groups; real, effective and saved ids alike) and
    /// forbids gaining privileges through exec. Returns why it failed, or `nil`.
    func become() -> String? {
        if isAnotherUser {
            // As root, setgid and setuid set the real, effective and saved ids together.
            guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
                return "cannot switch to user \(uid): \(String(cString: strerror(errno)))"
            }
            guard getuid() == uid, geteuid() == uid, getgid() == gid, setuid(0) != 0 else {
                return "the switch to user \(uid) did not hold"
            }
        }
        guard Self.forbidNewPrivileges() else {
            return "cannot set no_new_privs: \(String(cString: strerror(errno)))"
        }
        return nil
    }

    /// `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)`; prctl is variadic in C, so Swift sees it only by name.
    private static func forbidNewPrivileges() -> Bool {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return false }
        let noNewPrivileges: Int32 = 38
        return unsafeBitCast(symbol, to: Prctl.self)(noNewPrivileges, 1, 0, 0, 0) == 0
    }
}
