import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP socket connected to 127.0.0.1, for tests that speak raw HTTP (a stalled or malformed client).
public enum LoopbackConnection {
    /// A socket connected to `port` on 127.0.0.1, with a receive buffer of `receiveBuffer` bytes when given (set
    /// before connecting, so the window it offers stays that small); the caller closes it.
    public static func open(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
        return descriptor
    }

    /// Reads from `descriptor` until `limit` bytes came, the server closed the connection, or nothing came for
    /// 10 s, pausing `pause` after each read of at most 128 KiB; returns the bytes read and whether the
    /// connection closed. The reads block a thread of their own, not one a server's tasks need.
    public static func read(_ descriptor: Int32, upTo limit: Int, pause: Duration? = nil) async -> (received: Int, closed: Bool) {
        await onThread {
            setReceiveTimeout(descriptor, seconds: 10)
            var buffer = [UInt8](repeating: 0, count: 128 << 10)
            var received = 0
            while received < limit {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { return (received, true) }
                if count < 0 { return (received, false) }
                received += count
                if let pause { usleep(useconds_t(pause.components.attoseconds / 1_000_000_000_000)) }
            }
            return (received, false)
        }
    }

    /// What a server answers on `descriptor` until it has sent a whole head, closed the connection, or sent
    /// nothing for 10 s (on a thread of its own, as ``read(_:upTo:pause:)``).
    public static func head(_ descriptor: Int32) async -> String {
        await onThread {
            setReceiveTimeout(descriptor, seconds: 10)
            var answer = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: answer, as: UTF8.self).contains("\r\n\r\n") {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { break }
                answer += buffer[..<count]
            }
            return String(decoding: answer, as: UTF8.self)
        }
    }

    private static func setReceiveTimeout(_ descriptor: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Runs blocking `work` on a new thread and waits for its result without blocking a task's thread.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
