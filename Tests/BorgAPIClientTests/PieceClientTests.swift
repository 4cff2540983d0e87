import BorgAPIClient
import BorgProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// `PieceClient` against hosts of other versions, on 127.0.0.1.
@Suite struct PieceClientTests {
    /// What a host received: piece id → (SHA-256 header, bytes), in the order the requests came.
    final class Received: Sendable {
        private let pieces = Mutex<[(piece: String, sha256: String, bytes: [UInt8])]>([])
        var all: [(piece: String, sha256: String, bytes: [UInt8])] { pieces.withLock { $0 } }
        func add(_ piece: String, _ sha256: String, _ bytes: [UInt8]) { pieces.withLock { $0.append((piece, sha256, bytes)) } }
    }

    /// A storage host from before `PUT /v1/pieces` (stop 20): it stores pieces one request each, and its
    /// router answers 404 to the batch route. It can only be stood in for: no such build runs here.
    static func hostWithoutTheBatchRoute(_ received: Received) -> some ApplicationProtocol {
        let router = Router()
        router.put("/v1/pieces/:piece") { request, context in
            let piece = try context.parameters.require("piece")
            let body = try await request.body.collect(upTo: 1 << 24)
            received.add(piece, request.headers[HTTPFields.Element.Name(PieceHeaders.sha256)!] ?? "", Array(body.readableBytesView))
            return Response(status: .created)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func aHostWithoutTheBatchRouteGetsTheBatchOnePieceAtATime() async throws {
        let received = Received()
        let uploads = (0..<3).map { index in
            PieceClient.Upload(piece: "0123456789abcdef0123456789abcdef.\(index).0",
                               bytes: ArraySlice((0..<(1000 * (index + 1))).map { UInt8(truncatingIfNeeded: $0 &* (index + 3)) }),
                               sha256: String(repeating: "\(index)", count: 64))
        }
        try await Self.hostWithoutTheBatchRoute(received).test(.live) { client in
            let port = try #require(client.port)
            try await PieceClient().put(uploads, order: "an-order", at: "http://127.0.0.1:\(port)")
        }
        let stored = received.all
        #expect(stored.map(\.piece) == uploads.map(\.piece))
        #expect(stored.map(\.sha256) == uploads.map(\.sha256))
        #expect(stored.map(\.bytes) == uploads.map { Array($0.bytes) })
    }

    @Test func aHostRefusingABatchIsNotAskedPieceByPiece() async throws {
        let received = Received()
        let router = Router()
        router.put("/v1/pieces") { _, _ -> Response in
            Response(status: .init(code: 507), body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"reason":"full"}"#)))
        }
        router.put("/v1/pieces/:piece") { _, context in
            received.add(try context.parameters.require("piece"), "", [])
            return Response(status: .created)
        }
        let host = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let upload = PieceClient.Upload(piece: "0123456789abcdef0123456789abcdef.0.0", bytes: [1, 2, 3], sha256: String(repeating: "a", count: 64))
        try await host.test(.live) { client in
            let port = try #require(client.port)
            let error = await #expect(throws: PieceTransferError.self) {
                try await PieceClient().put([upload], order: "an-order", at: "http://127.0.0.1:\(port)")
            }
            #expect(error?.status == 507)
        }
        #expect(received.all.isEmpty, "a refusal other than 404 is the answer")
    }
}
