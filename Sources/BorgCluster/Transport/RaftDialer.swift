import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libdqlite's connect function: Raft's outgoing connections to peers go through a `DqliteDialer` (plain TCP
/// or the TLS link). Unlike dqlite 1.11's default (a blocking `connect` without timeout), the connect is
/// bounded, and TCP_NODELAY is set: with Nagle's algorithm on, small Raft messages waited for delayed ACKs,
/// giving commits a ~40 ms tail.
final class RaftDialer: Sendable {
    private let dialer: any DqliteDialer

    init(_ dialer: any DqliteDialer) {
        self.dialer = dialer
    }

    /// How long a Raft connection attempt to a peer may block a libuv worker thread.
    private static let peerConnectTimeout: TimeInterval = 3

    /// Called by libdqlite on a worker thread with the `RaftDialer` as `argument`; stores a connected descriptor
    /// in blocking mode, as dqlite's own connect function returns it.
    static let connect: @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<Int32>?
    ) -> Int32 = { argument, address, descriptor in
        guard let argument, let address, let descriptor else { return 1 }
        let dialer = Unmanaged<RaftDialer>.fromOpaque(argument).takeUnretainedValue().dialer
        do {
            let fd = try dialer.connect(to: String(cString: address), timeout: peerConnectTimeout)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            descriptor.pointee = fd
            return 0
        } catch {
            return 1
        }
    }
}
