import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A task directory (or a directory in one) opened for the client and the sandbox, which must treat
/// everything an app left there as hostile: every name is opened relative to this directory with
/// `O_NOFOLLOW`, and only regular files and directories are accepted, so a symbolic link, FIFO, socket
/// or device planted by an app is refused instead of followed, blocked on or read.
public final class TaskDirectory: Sendable {
    /// What kind of file a name in the directory is.
    public enum Kind: Sendable, Equatable {
        case regularFile
        case directory
        /// Anything else (the `ls -l` letter's name: symbolic link, FIFO, socket, device).
        case other(String)
    }

    /// The directory's path, for messages.
    public let path: String
    private let fd: Int32

    /// The open directory (close-on-exec; closed with this object): for the sandbox to bind it or enter it.
    package var descriptor: Int32 { fd }

    /// Opens `path`, which must be a directory itself (not a symbolic link to one).
    public convenience init(_ path: String) throws(SandboxError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw Self.refusal(AT_FDCWD, path, shownAs: path, expected: .directory) }
        self.init(fd: fd, path: path)
    }

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// The kind of `name`, without following it; `nil` when it does not exist.
    public func kind(of name: String) throws(SandboxError) -> Kind? {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw .system("cannot inspect \(path)/\(name): \(String(cString: strerror(errno)))")
        }
        return Self.kind(info.st_mode)
    }

    /// The names in the directory, sorted, without `.` and `..`.
    public func names() throws(SandboxError) -> [String] {
        let copy = dup(fd)
        guard copy >= 0, let dir = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw .system("cannot list \(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The subdirectory `name`: `nil` when it does not exist (created first with `create`); throws when
    /// `name` is anything but a directory.
    public func subdirectory(_ name: String, create: Bool = false) throws(SandboxError) -> TaskDirectory? {
        if create, mkdirat(fd, name, 0o755) != 0, errno != EEXIST {
            throw .system("cannot create \(path)/\(name): \(String(cString: strerror(errno)))")
        }
        let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else {
            if errno == ENOENT { return nil }
            throw Self.refusal(fd, name, shownAs: "\(path)/\(name)", expected: .directory)
        }
        return TaskDirectory(fd: child, path: "\(path)/\(name)")
    }

    /// The contents of the regular file `name`; throws for anything else or one larger than `limit` bytes.
    public func read(_ name: String, limit: Int) throws(SandboxError) -> Data {
        let file = try openRegularFile(name, O_RDONLY)
        defer { close(file.fd) }
        guard file.size <= limit else {
            throw .system("\(path)/\(name) holds \(file.size) bytes, more than the \(limit) allowed")
        }
        return try readAll(file.fd, name, limit: limit)
    }

    /// Up to the last `bytes` bytes of the regular file `name`; `nil` if it does not exist or is not a regular file.
    public func tail(of name: String, bytes: Int) -> Data? {
        guard let file = try? openRegularFile(name, O_RDONLY) else { return nil }
        defer { close(file.fd) }
        guard lseek(file.fd, off_t(max(0, file.size - bytes)), SEEK_SET) >= 0 else { return nil }
        return try? readAll(file.fd, name, limit: bytes)
    }

    /// Writes `data` as the file `name` through a new temporary file, a sync and a rename, so a crash
    /// leaves the old or the new file; whatever `name` was (a symbolic link included) is replaced, never
    /// written through. Throws if `name` is a directory.
    public func write(_ data: Data, to name: String) throws(SandboxError) {
        let temporary = ".\(name).\(UUID().uuidString).tmp"
        let out = openat(fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw .system("cannot create \(path)/\(temporary): \(String(cString: strerror(errno)))") }
        var failure: String?
        data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var done = 0
            while done < buffer.count {
                let wrote = Glibc.write(out, base + done, buffer.count - done)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                done += wrote
            }
        }
        if failure == nil, fsync(out) != 0 { failure = String(cString: strerror(errno)) }
        close(out)
        if failure == nil, renameat(fd, temporary, fd, name) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlinkat(fd, temporary, 0)
            throw .system("cannot write \(path)/\(name): \(failure)")
        }
    }

    /// Opens the regular file `name` for appending (creating it, mode 0644) and returns its descriptor,
    /// which the caller closes; throws if `name` is anything but a regular file.
    public func openForAppending(_ name: String) throws(SandboxError) -> Int32 {
        try openRegularFile(name, O_WRONLY | O_CREAT | O_APPEND).fd
    }

    /// Opens `name` with `flags`, refusing to follow a symbolic link or to block on a FIFO, and checks it
    /// is a regular file.
    private func openRegularFile(_ name: String, _ flags: Int32) throws(SandboxError) -> (fd: Int32, size: Int) {
        let file = openat(fd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw Self.refusal(fd, name, shownAs: "\(path)/\(name)", expected: .regularFile) }
        var info = stat()
        guard fstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(file)
            throw .system("\(path)/\(name) is \(Self.describe(Self.kind(info.st_mode))), not a regular file")
        }
        // Blocking again, so that later reads and writes behave as usual.
        _ = fcntl(file, F_SETFL, fcntl(file, F_GETFL) & ~O_NONBLOCK)
        return (file, Int(info.st_size))
    }

    private func readAll(_ file: Int32, _ name: String, limit: Int) throws(SandboxError) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while data.count < limit {
            let count = Glibc.read(file, &buffer, min(buffer.count, limit - data.count))
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("cannot read \(path)/\(name): \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: buffer[..<count])
        }
        return data
    }

    private static func kind(_ mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: .regularFile
        case S_IFDIR: .directory
        case S_IFLNK: .other("a symbolic link")
        case S_IFIFO: .other("a FIFO")
        case S_IFSOCK: .other("a socket")
        default: .other("a device")
        }
    }

    private static func describe(_ kind: Kind) -> String {
        switch kind {
        case .regularFile: "a regular file"
        case .directory: "a directory"
        case .other(let what): what
        }
    }

    /// The error for `name` (relative to `parent`) that could not be opened as `expected`: names what it
    /// is instead when it exists, else the errno's text.
    private static func refusal(_ parent: Int32, _ name: String, shownAs path: String, expected: Kind) -> SandboxError {
        let code = errno
        var info = stat()
        if fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0, kind(info.st_mode) != expected {
            return .system("\(path) is \(describe(kind(info.st_mode))), not \(describe(expected))")
        }
        return .system("cannot open \(path): \(String(cString: strerror(code)))")
    }
}
