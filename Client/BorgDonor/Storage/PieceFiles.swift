import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The system calls behind ``PieceStore``. Names are opened relative to a directory descriptor, never
/// through a symbolic link, and `path` only names the file in messages.
enum PieceFiles {
    /// Opens the directory at `path`, which may be reached through links (the donor chose it); `nil` if it
    /// does not exist.
    static func openDirectory(atPath path: String) throws(PieceStoreError) -> Int32? {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0 { return descriptor }
        if errno == ENOENT { return nil }
        throw .io("cannot open '\(path)': \(reason())")
    }

    /// Opens the directory `name` in `parent`; `nil` if it does not exist, refused if it is a link or a file.
    static func openDirectory(_ name: String, in parent: Int32, path: String) throws(PieceStoreError) -> Int32? {
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if descriptor >= 0 { return descriptor }
        switch errno {
        case ENOENT: return nil
        case ELOOP, ENOTDIR: throw .refused(path)
        default: throw .io("cannot open '\(path)': \(reason())")
        }
    }

    /// Creates the owner-only directory `name` in `parent` unless it exists.
    static func makeDirectory(_ name: String, in parent: Int32, path: String) throws(PieceStoreError) {
        guard mkdirat(parent, name, 0o700) == 0 || errno == EEXIST else {
            throw .io("cannot create '\(path)': \(reason())")
        }
    }

    /// Writes `bytes` to the new owner-only file `name` in `directory` and flushes it to the disk.
    static func writeNew(_ bytes: Data, named name: String, in directory: Int32, path: String) throws(PieceStoreError) {
        let descriptor = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot create '\(path)': \(reason())") }
        defer { close(descriptor) }
        let failure: String? = bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return reason()
                }
                offset += written
            }
            return nil
        }
        if let failure { throw .io("cannot write '\(path)': \(failure)") }
        guard fsync(descriptor) == 0 else { throw .io("cannot flush '\(path)' to the disk: \(reason())") }
    }

    /// Starts reading the file `name` in `directory` into the page cache, without waiting (no link followed).
    static func prefetch(_ name: String, in directory: Int32) {
        let descriptor = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_WILLNEED)
    }

    /// The whole regular file `name` in `directory`, read straight into the buffer a server answers with;
    /// `nil` if it does not exist.
    static func contents(of name: String, in directory: Int32, path: String) throws(PieceStoreError) -> ByteBuffer? {
        // O_NONBLOCK: a FIFO planted at the path must not hang the read; fstat refuses it below.
        let descriptor = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case ENOENT: return nil
            case ELOOP: throw .refused(path)
            default: throw .io("cannot open '\(path)': \(reason())")
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io("cannot inspect '\(path)': \(reason())") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .refused(path) }
        let size = Int(status.st_size)
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        var failure: String?
        while buffer.readableBytes < size, failure == nil {
            let wanted = size - buffer.readableBytes
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { room in
                let count = read(descriptor, room.baseAddress, wanted)
                if count < 0 {
                    if errno != EINTR { failure = reason() }
                    return 0
                }
                if count == 0 { failure = "the file shrank while it was read" }
                return count
            }
        }
        if let failure { throw .io("cannot read '\(path)': \(failure)") }
        return buffer
    }

    /// The size of the regular file `name` in `directory`; `nil` if nothing has that name, refused if a
    /// link or anything but a regular file does.
    static func size(of name: String, in directory: Int32, path: String) throws(PieceStoreError) -> Int64? {
        try regularFile(name, in: directory, path: path).map { Int64($0.st_size) }
    }

    /// When the regular file `name` in `directory` was last written (seconds since 1970); `nil` if nothing has
    /// that name, refused if a link or anything but a regular file does.
    static func modified(_ name: String, in directory: Int32, path: String) throws(PieceStoreError) -> Double? {
        try regularFile(name, in: directory, path: path).map { Double($0.st_mtim.tv_sec) + Double($0.st_mtim.tv_nsec) / 1e9 }
    }

    /// The status of the regular file `name` in `directory`, not following links; `nil` if nothing has that name.
    private static func regularFile(_ name: String, in directory: Int32, path: String) throws(PieceStoreError) -> stat? {
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw .io("cannot inspect '\(path)': \(reason())")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .refused(path) }
        return status
    }

    /// Renames `name` to `target` within `directory`, replacing `target`.
    static func move(_ name: String, to target: String, in directory: Int32, path: String) throws(PieceStoreError) {
        guard renameat(directory, name, directory, target) == 0 else {
            throw .io("cannot move a new piece into '\(path)': \(reason())")
        }
    }

    /// Renames `name` to `target` within `directory` unless `target` exists; false if it does.
    static func moveUnlessTaken(_ name: String, to target: String, in directory: Int32, path: String) throws(PieceStoreError) -> Bool {
        if renameat2(directory, name, directory, target, renameNoReplace) == 0 { return true }
        if errno == EEXIST { return false }
        guard errno == EINVAL || errno == ENOSYS else { throw .io("cannot move a new piece into '\(path)': \(reason())") }
        // A file system without RENAME_NOREPLACE: the check and the rename are two steps, under the store's lock.
        guard try size(of: target, in: directory, path: path) == nil else { return false }
        try move(name, to: target, in: directory, path: path)
        return true
    }

    /// Removes `name` from `directory` (a link itself, never its target); false if nothing had that name.
    static func remove(_ name: String, in directory: Int32, path: String) throws(PieceStoreError) -> Bool {
        guard unlinkat(directory, name, 0) == 0 else {
            if errno == ENOENT { return false }
            throw .io("cannot delete '\(path)': \(reason())")
        }
        return true
    }

    /// The names in the directory at `path`, none if it cannot be listed.
    static func names(atPath path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// The last system call's error, in words.
    static func reason() -> String { String(cString: strerror(errno)) }
}

/// `renameat2`'s flag that fails with EEXIST rather than replace the target (<stdio.h>).
private let renameNoReplace: UInt32 = 1

/// Linux's `renameat2`, which the Glibc module does not export (it needs `_GNU_SOURCE`).
@_silgen_name("renameat2")
private func renameat2(_ oldDirectory: Int32, _ oldName: UnsafePointer<CChar>, _ newDirectory: Int32, _ newName: UnsafePointer<CChar>,
                       _ flags: UInt32) -> Int32
