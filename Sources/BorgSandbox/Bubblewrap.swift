#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// bubblewrap (`bwrap`, Debian package `bubblewrap`), which builds the sandbox native apps run in.
/// Without it native apps do not run at all.
public enum Bubblewrap {
    /// Where `bwrap` is looked for, in this order. Never `PATH`: the environment of whoever starts the
    /// client must not choose the program that builds the sandbox.
    public static let candidates = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"]

    /// The first executable `bwrap` among ``candidates``, or `nil` when none is installed.
    public static func locate() -> String? {
        candidates.first { path in
            var info = stat()
            return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
        }
    }
}
