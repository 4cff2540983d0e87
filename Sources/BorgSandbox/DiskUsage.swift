#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Disk space used by a directory tree.
public enum DiskUsage {
    /// The bytes allocated on disk (`st_blocks` × 512) by `directory` and everything below
    /// it, counting each hard-linked file once and never following symbolic links.
    public static func bytes(in directory: String) throws(SandboxError) -> UInt64 {
        let root = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw .badTaskDirectory(directory) }
        var seen = Set<[UInt64]>()
        return walk(root, seen: &seen)
    }

    /// Sums the directory open as `fd` (and closes it).
    private static func walk(_ fd: Int32, seen: inout Set<[UInt64]>) -> UInt64 {
        guard let dir = fdopendir(fd) else {
            close(fd)
            return 0
        }
        defer { closedir(dir) }
        var total: UInt64 = 0
        var info = stat()
        if fstat(fd, &info) == 0 { total += UInt64(info.st_blocks) * 512 }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child >= 0 { total += walk(child, seen: &seen) }
            } else if info.st_nlink <= 1 || seen.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted {
                total += UInt64(info.st_blocks) * 512
            }
        }
        return total
    }
}
