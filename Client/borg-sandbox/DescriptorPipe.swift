import BorgSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A pipe to or from a child process: both ends close-on-exec (the spawn maps the child's end onto
/// its own number); each end is closed once, at the latest when the pipe is released.
final class DescriptorPipe {
    let reading: Int32
    let writing: Int32
    private var readingOpen = true
    private var writingOpen = true

    init() throws(SandboxError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw .system("pipe: \(String(cString: strerror(errno)))") }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        (reading, writing) = (ends[0], ends[1])
    }

    deinit {
        closeReading()
        closeWriting()
    }

    /// Writes all of `bytes` (which must fit in the pipe's buffer: nobody reads yet).
    func send(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let wrote = bytes[done...].withUnsafeBytes { write(writing, $0.baseAddress, $0.count) }
            if wrote < 0, errno == EINTR { continue }
            guard wrote > 0 else { return }
            done += wrote
        }
    }

    func closeReading() {
        if readingOpen { close(reading) }
        readingOpen = false
    }

    func closeWriting() {
        if writingOpen { close(writing) }
        writingOpen = false
    }

    /// Everything in the pipe up to end-of-file; with `waiting` false, only what is there already.
    func readAll(waiting: Bool = true) -> String {
        if !waiting { _ = fcntl(reading, F_SETFL, fcntl(reading, F_GETFL) | O_NONBLOCK) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(reading, &buffer, buffer.count)
            if count > 0 {
                bytes += buffer[..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
