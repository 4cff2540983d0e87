#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Disk space used by a directory tree.
public enum DiskUsage {
    /// The bytes allocated on disk (`st_blocks` × 512) by `directory` and everything below it,
    /// counting each hard-linked file once and never following symbolic links. Every level is
    /// counted, however deep (``DirectoryTree``); throws if the tree cannot be measured (a directory
    /// that cannot be opened, or one moved while it was measured), never undercounts in silence.
    public static func bytes(in directory: String) throws(SandboxError) -> UInt64 {
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .badTaskDirectory(directory)
        }
        var total = allocated(info)
        var seen = Set<[UInt64]>()
        try DirectoryTree.walk(directory) { _, _, info in
            if info.st_mode & S_IFMT == S_IFDIR || info.st_nlink <= 1
                || seen.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted
            {
                let (sum, overflow) = total.addingReportingOverflow(allocated(info))
                total = overflow ? .max : sum
            }
            return true
        }
        return total
    }

    private static func allocated(_ info: stat) -> UInt64 {
        let (bytes, overflow) = UInt64(max(0, info.st_blocks)).multipliedReportingOverflow(by: 512)
        return overflow ? .max : bytes
    }
}
