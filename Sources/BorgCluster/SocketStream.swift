#if canImport(Glibc)
import Glibc
#endif

/// A stream socket to a node, opened by a `DqliteDialer`, whose reads and writes block the caller until they
/// complete or a deadline passes. The descriptor itself is non-blocking; waiting is done with `poll(2)`, so a
/// deadline bounds every call.
final class SocketStream {
    /// The `host:port` this stream was connected to.
    let address: String
    private var fd: Int32

    /// Connects to `address` through `dialer` before `deadline`; the stream's descriptor is made non-blocking.
    init(address: String, deadline: Deadline, dialer: any DqliteDialer) throws {
        self.address = address
        fd = try dialer.connect(to: address, timeout: deadline.remainingSeconds)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    /// Whether the stream has been closed by `close()`.
    var isClosed: Bool { fd < 0 }

    /// Closes the descriptor; later reads and writes fail with `.disconnected`.
    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// True if the peer sent data or hung up although no reply is expected: the
    /// connection cannot be used for another request.
    func hasUnexpectedInput() -> Bool {
        guard fd >= 0 else { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) != 0
    }

    /// Writes all of `bytes` before `deadline`.
    func write(_ bytes: [UInt8], deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            try checkOpen()
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                try wait(for: POLLOUT, deadline: deadline, doing: "sending to")
                continue
            }
            throw DqliteError.disconnected("send to \(address) failed: \(SocketStream.describe(code))")
        }
    }

    /// Reads exactly `count` bytes before `deadline`.
    func read(count: Int, deadline: Deadline) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            try checkOpen()
            let received = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + offset, count - offset, 0)
            }
            if received > 0 {
                offset += received
                continue
            }
            if received == 0 {
                throw DqliteError.disconnected("\(address) closed the connection")
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                acknowledgeAtOnce()
                try wait(for: POLLIN, deadline: deadline, doing: "waiting for a reply from")
                continue
            }
            throw DqliteError.disconnected("receive from \(address) failed: \(SocketStream.describe(code))")
        }
        return buffer
    }

    /// Asks the kernel to acknowledge what arrived without the usual delay. Replies to pipelined requests
    /// arrive as several small segments, and a node that does not disable Nagle's algorithm holds each one
    /// back until the previous is acknowledged: with delayed ACKs that costs ~40 ms per wait.
    private func acknowledgeAtOnce() {
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), Int32(TCP_QUICKACK), &on, socklen_t(MemoryLayout<Int32>.size))
    }

    private func checkOpen() throws {
        if fd < 0 { throw DqliteError.disconnected("connection to \(address) is closed") }
    }

    private func wait(for event: Int32, deadline: Deadline, doing activity: String) throws {
        try SocketStream.wait(fd: fd, for: event, deadline: deadline) {
            "timed out \(activity) \(address)"
        }
    }

    static func wait(fd: Int32, for event: Int32, deadline: Deadline,
                             timeoutMessage: () -> String) throws {
        while true {
            let milliseconds = deadline.pollMilliseconds
            if milliseconds == 0 { throw DqliteError.timeout(timeoutMessage()) }
            var entry = pollfd(fd: fd, events: Int16(event), revents: 0)
            let rc = poll(&entry, 1, milliseconds)
            if rc > 0 { return }
            if rc < 0 && errno != EINTR {
                throw DqliteError.disconnected("poll failed: \(describe(errno))")
            }
        }
    }

    static func splitHostPort(_ address: String) throws -> (host: String, port: String) {
        guard let colon = address.lastIndex(of: ":") else {
            throw DqliteError.invalidArgument("address \"\(address)\" is not host:port")
        }
        var host = String(address[..<colon])
        let port = String(address[address.index(after: colon)...])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty, UInt16(port) != nil else {
            throw DqliteError.invalidArgument("address \"\(address)\" is not host:port")
        }
        return (host, port)
    }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
