#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Walks a directory tree that an app may have shaped: through file descriptors, never following a
/// symbolic link, and holding at most three descriptors however deep the tree is (it climbs back up
/// through `..` and checks that it arrived where it came from), so no nesting hides a subtree.
package enum DirectoryTree {
    /// One directory on the way down: its name in its parent, its identity, and the names still to visit.
    private struct Level {
        let name: String
        let device: UInt64
        let inode: UInt64
        var pending: [String]
    }

    /// Visits every entry below `path` (not `path` itself), depth first. `visit` gets the descriptor of
    /// the entry's directory, its name and its `lstat`, and says whether to descend into it (only
    /// directories are descended into); `leave` is called with the same descriptor and name once a
    /// directory's entries were all visited. An entry that vanishes while the walk runs is skipped.
    /// A directory the walker cannot read is made readable when this user owns it (an app may have
    /// taken its permissions away); throws if that fails or if the tree moved under the walk.
    package static func walk(
        _ path: String,
        visit: (_ parent: Int32, _ name: String, _ info: stat) throws(SandboxError) -> Bool,
        leave: (_ parent: Int32, _ name: String) throws(SandboxError) -> Void = { _, _ in }
    ) throws(SandboxError) {
        var fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .badTaskDirectory(path) }
        defer { close(fd) }
        let root = try identity(of: fd, path)
        var levels = [Level(name: "", device: root.device, inode: root.inode, pending: try names(in: fd, path))]
        while let last = levels.indices.last {
            if let name = levels[last].pending.popLast() {
                var info = stat()
                guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                    if errno == ENOENT { continue }
                    throw failure("cannot inspect", name, depth: levels.count)
                }
                guard try visit(fd, name, info), info.st_mode & S_IFMT == S_IFDIR else { continue }
                let child = try openChild(name, in: fd, depth: levels.count)
                let found = try identity(of: child, name)
                guard found.device == UInt64(info.st_dev), found.inode == UInt64(info.st_ino) else {
                    close(child)
                    throw failure("the tree changed while it was walked at", name, depth: levels.count, reason: moved)
                }
                let entries: [String]
                do {
                    entries = try names(in: child, name)
                } catch {
                    close(child)
                    throw error
                }
                levels.append(Level(name: name, device: found.device, inode: found.inode, pending: entries))
                close(fd)
                fd = child
            } else {
                guard levels.count > 1 else { return }
                let finished = levels.removeLast()
                let parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard parent >= 0 else { throw failure("cannot climb back from", finished.name, depth: levels.count) }
                let expected = levels[levels.count - 1]
                let arrived = try? identity(of: parent, "..")
                guard arrived?.device == expected.device, arrived?.inode == expected.inode else {
                    close(parent)
                    throw failure("the tree changed while it was walked at", finished.name, depth: levels.count, reason: moved)
                }
                close(fd)
                fd = parent
                try leave(fd, finished.name)
            }
        }
    }

    /// Deletes `path` and everything below it without following symbolic links, however deep; a missing
    /// `path` is not an error.
    package static func remove(_ path: String) throws(SandboxError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .system("cannot inspect \(path): \(String(cString: strerror(errno)))")
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            try walk(path) { (parent, name, info) throws(SandboxError) in
                if info.st_mode & S_IFMT == S_IFDIR { return true }
                guard unlinkat(parent, name, 0) == 0 || errno == ENOENT else {
                    throw failure("cannot delete", name, depth: 0)
                }
                return false
            } leave: { (parent, name) throws(SandboxError) in
                guard unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
                    throw failure("cannot delete", name, depth: 0)
                }
            }
            guard rmdir(path) == 0 || errno == ENOENT else {
                throw .system("cannot delete \(path): \(String(cString: strerror(errno)))")
            }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw .system("cannot delete \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Opens the subdirectory `name` of `parent`; when that is refused and this user owns it, gives the
    /// owner back read, write and search permission (through an `O_PATH` descriptor, so a symbolic link
    /// swapped in meanwhile is never followed) and tries again.
    private static func openChild(_ name: String, in parent: Int32, depth: Int) throws(SandboxError) -> Int32 {
        let child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if child >= 0 { return child }
        guard errno == EACCES else { throw failure("cannot open", name, depth: depth) }
        let handle = openat(parent, name, openPathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard handle >= 0 else { throw failure("cannot open", name, depth: depth) }
        defer { close(handle) }
        var info = stat()
        guard fstat(handle, &info) == 0, info.st_uid == geteuid(),
            chmod("/proc/self/fd/\(handle)", (info.st_mode & 0o7777) | S_IRWXU) == 0
        else { throw failure("cannot open", name, depth: depth) }
        let retried = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard retried >= 0 else { throw failure("cannot open", name, depth: depth) }
        return retried
    }

    /// The names in the directory open as `fd` (without `.` and `..`); `fd` stays open.
    private static func names(in fd: Int32, _ what: String) throws(SandboxError) -> [String] {
        let copy = dup(fd)
        guard copy >= 0, let dir = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw .system("cannot list \(what): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func identity(of fd: Int32, _ what: String) throws(SandboxError) -> (device: UInt64, inode: UInt64) {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .system("cannot inspect \(what): \(String(cString: strerror(errno)))")
        }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    private static let moved = "it was moved or replaced"
    /// Linux's O_PATH, which Swift's Glibc module does not export (it needs _GNU_SOURCE).
    private static let openPathOnly: Int32 = 0o10_000_000

    /// An error naming the entry and how deep it is; `reason` defaults to the current errno's text.
    private static func failure(
        _ what: String, _ name: String, depth: Int, reason: String = String(cString: strerror(errno))
    ) -> SandboxError {
        let level = depth > 0 ? " (\(depth) levels down)" : ""
        return .system("\(what) '\(name)'\(level): \(reason)")
    }
}
