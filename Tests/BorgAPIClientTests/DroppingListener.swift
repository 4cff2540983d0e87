import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A coordinator that dies mid-request: a TCP listener on 127.0.0.1 that reads one HTTP request's head,
/// keeps it, and closes the connection without answering.
final class DroppingListener: Sendable {
    let port: UInt16
    private let socket: Int32
    private let heads = Mutex<[String]>([])

    init() throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let socket = self.socket
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(socket, raw, length) == 0 && getsockname(socket, raw, &length) == 0 && listen(socket, 8) == 0
            }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The request heads received so far.
    var received: [String] { heads.withLock { $0 } }

    /// The value of header `name` in the first request received.
    func header(_ name: String) -> String? {
        guard let head = received.first else { return nil }
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    func close() { shutdown(socket, Int32(SHUT_RDWR)); Glibc.close(socket) }

    private func serve() {
        while true {
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { return }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: bytes, as: UTF8.self).contains("\r\n\r\n") {
                let n = read(connection, &buffer, buffer.count)
                guard n > 0 else { break }
                bytes += buffer[0..<n]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            heads.withLock { $0.append(String(text.prefix { $0 != "\u{0}" }).components(separatedBy: "\r\n\r\n")[0]) }
            Glibc.close(connection)
        }
    }
}
