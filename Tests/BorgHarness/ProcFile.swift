import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a process's files under `/proc` for tests that watch processes come and go.
public enum ProcFile {
    /// The text of `/proc/<pid>/<name>`; nil when the process is gone, also when it exits between the listing
    /// of `/proc` and this read (ENOENT at the open, ESRCH at the read). Other failures throw: a read error is
    /// not "gone".
    public static func read(pid: Int32, _ name: String) throws -> String? {
        let path = "/proc/\(pid)/\(name)"
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ESRCH { return nil }
            throw HarnessError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = Glibc.read(descriptor, &buffer, buffer.count)
        guard count >= 0 else {
            if errno == ESRCH || errno == ENOENT { return nil }
            throw HarnessError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
