import BorgDonor
import BorgHarness
import BorgStorage
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A client that starts a piece upload on a raw socket and stalls: the head and 3 of the 1,000 bytes it
/// announces, then nothing.
private final class StalledUpload {
    let descriptor: Int32

    init(port: Int, order: String) throws {
        descriptor = try LoopbackConnection.open(port: port)
        let head = "PUT /v1/pieces/\(PieceFixture.piece(0)) HTTP/1.1\r\nHost: 127.0.0.1\r\nBorg-Order: \(order)\r\n"
            + "Borg-Piece-SHA256: \(PieceFixture.sha256(Data(count: 1000)))\r\nContent-Length: 1000\r\n\r\nabc"
        _ = head.withCString { send(descriptor, $0, strlen($0), 0) }
    }

    /// Seconds until the server closed the connection, reading what it sends; nil if it did not within `limit`.
    func secondsUntilClosed(limit: Int) -> Double? {
        var timeout = timeval(tv_sec: limit, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(descriptor, &buffer, buffer.count, 0)
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { return Date().timeIntervalSince(start) }
            if n < 0 && errno == EAGAIN { return nil }
        }
    }

    func close() { Glibc.close(descriptor) }
}

@Suite(.serialized) struct PieceServiceTests {
    @Test func aClientThatStallsMidUploadIsCutOffAfterTheIdleTimeout() async throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        let server = PieceServer(store: fixture.store, keys: fixture.keys, host: "127.0.0.1", port: 0, clock: { PieceFixture.now },
                                 idleTimeout: .seconds(1))
        let service = try await PieceService(server, log: { _ in })
        let upload = try StalledUpload(port: service.port, order: fixture.order([.put]))
        defer { upload.close() }
        // Generous bounds: other suites may keep both cores busy. Without the timeout it is never closed.
        let closed = upload.secondsUntilClosed(limit: 60)
        #expect(closed != nil && closed! < 30, "the stalled upload kept its connection: \(closed.map { "\($0) s" } ?? "over 60 s")")
        #expect(fixture.store.pieces().isEmpty)
        #expect(await service.stop(patience: .seconds(30)), "the server did not stop once the stalled connection was closed")
    }

    @Test func stoppingWaitsForAStalledUploadOnlyAsLongAsItsPatience() async throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        let service = try await PieceService(fixture.server, log: { _ in })
        let upload = try StalledUpload(port: service.port, order: fixture.order([.put]))
        // The client gives up after 60 s, should the stop wait for it (bounds are generous: other suites may
        // keep both cores busy).
        Task {
            try? await Task.sleep(for: .seconds(60))
            upload.close()
        }
        // Time for the server to read the request's head (a connection with no request yet is closed at once).
        try await Task.sleep(for: .seconds(2))
        let start = ContinuousClock.now
        let stopped = await service.stop(patience: .seconds(1))
        let took = ContinuousClock.now - start
        #expect(!stopped, "the request under way ended, though its client had stalled")
        #expect(took < .seconds(30), "stopping waited \(took) for a client that stalled mid-upload")
    }
}
