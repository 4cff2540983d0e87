import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Connections to a node's abstract Unix socket (`@name`), where a node behind a TLS gateway listens. dqlite
/// accepts them only from its own process.
enum LocalSocket {
    /// A connected, non-blocking stream socket to `address` (`@name`).
    static func connect(_ address: String) throws -> Int32 {
        let name = Array(address.utf8.dropFirst())
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        // An abstract address is a NUL byte then the name, and its length counts exactly those bytes.
        guard address.hasPrefix("@"), name.count < MemoryLayout.size(ofValue: socketAddress.sun_path) else {
            throw DqliteError.invalidArgument("\"\(address)\" is not an abstract Unix socket address")
        }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            path[0] = 0
            path.baseAddress!.advanced(by: 1).copyMemory(from: name, byteCount: name.count)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + 1 + name.count)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            throw DqliteError.disconnected("socket() for \(address) failed: \(SocketStream.describe(errno))")
        }
        let connected = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) == 0 }
        }
        guard connected else {
            let code = errno
            _ = Glibc.close(fd)
            throw DqliteError.disconnected("connect to the local node \(address) failed: \(SocketStream.describe(code))")
        }
        return fd
    }
}
