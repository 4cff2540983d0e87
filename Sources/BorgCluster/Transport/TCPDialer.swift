import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// dqlite's own transport: a plain TCP connection (TCP_NODELAY set) to the node's `host:port`. Nothing
/// authenticates either side; a node behind a TLS gateway (`DqliteTransport.tls`) refuses it.
public struct TCPDialer: DqliteDialer {
    public init() {}

    public func connect(to address: String, timeout: TimeInterval) throws -> Int32 {
        let deadline = Deadline(after: timeout)
        let (host, port) = try SocketStream.splitHostPort(address)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, port, &hints, &list)
        guard rc == 0, let first = list else {
            throw DqliteError.disconnected("cannot resolve \(address): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = DqliteError.disconnected("cannot connect to \(address)")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            do {
                return try Self.connect(info.pointee, address: address, deadline: deadline)
            } catch let error as DqliteError {
                lastError = error
                if case .timeout = error { throw error }
            }
            candidate = info.pointee.ai_next
        }
        throw lastError
    }

    private static func connect(_ info: addrinfo, address: String, deadline: Deadline) throws -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(info.ai_family, type, 0)
        guard fd >= 0 else {
            throw DqliteError.disconnected("socket() for \(address) failed: \(SocketStream.describe(errno))")
        }
        do {
            if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
                let code = errno
                guard code == EINPROGRESS || code == EINTR else {
                    throw DqliteError.disconnected("connect to \(address) failed: \(SocketStream.describe(code))")
                }
                try SocketStream.wait(fd: fd, for: POLLOUT, deadline: deadline) { "timed out connecting to \(address)" }
                var pending: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length)
                if pending != 0 {
                    throw DqliteError.disconnected("connect to \(address) failed: \(SocketStream.describe(pending))")
                }
            }
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            return fd
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }
}
