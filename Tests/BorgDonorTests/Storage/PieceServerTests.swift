import BorgDonor
import BorgStorage
import Crypto
import Foundation
import Hummingbird
import Synchronization
import HummingbirdTesting
import Testing

// One case at a time: each runs its own server and some send 16 MiB bodies, which in a debug build under a
// loaded machine can outlast the test client's fixed 20 s read timeout when many run at once.
@Suite(.serialized) struct PieceServerTests {
    /// The answer to a put.
    struct Stored: Codable, Equatable {
        var piece: String
        var sha256: String
        var size: Int
    }

    @Test func putGetDeleteRoundTrip() async throws {
        let fixture = try PieceFixture()
        let piece = PieceFixture.piece(3, segment: 2)
        let bytes = PieceFixture.bytes(300_000)
        let sha = PieceFixture.sha256(bytes)
        let uri = "/v1/pieces/\(piece)"
        try await fixture.live { client in
            let put = try await client.execute(
                uri: uri, method: .put, headers: PieceFixture.headers(order: fixture.order([.put]), sha256: sha.uppercased()),
                body: ByteBuffer(bytes: bytes))
            #expect(put.status == .created)
            let stored = try JSONDecoder().decode(Stored.self, from: Data(put.body.readableBytesView))
            #expect(stored == Stored(piece: piece.description, sha256: sha, size: bytes.count))
            #expect(fixture.store.pieces() == [piece])
            #expect(fixture.store.usedBytes == Int64(bytes.count))
            #expect(fixture.filesOnDisk() == ["\(PieceFixture.fileID)/2.3"])

            let get = try await client.execute(uri: uri, method: .get, headers: PieceFixture.headers(order: fixture.order([.get])))
            #expect(get.status == .ok)
            #expect(get.headers[.contentType] == "application/octet-stream")
            #expect(Data(get.body.readableBytesView) == bytes)

            let health = try await client.execute(uri: "/v1/health", method: .get)
            #expect(health.status == .ok)
            let counts = try JSONDecoder().decode([String: Int64].self, from: Data(health.body.readableBytesView))
            #expect(counts == ["usedBytes": Int64(bytes.count), "capacityBytes": 1 << 30, "pieces": 1])

            let deleteOrder = try PieceFixture.headers(order: fixture.order([.delete]))
            #expect(try await client.execute(uri: uri, method: .delete, headers: deleteOrder).status == .noContent)
            #expect(fixture.store.pieces().isEmpty && fixture.store.usedBytes == 0)
            #expect(fixture.filesOnDisk().isEmpty)
            // Deleting again is no error: the piece is gone either way.
            #expect(try await client.execute(uri: uri, method: .delete, headers: deleteOrder).status == .noContent)

            let missing = try await client.execute(uri: uri, method: .get, headers: PieceFixture.headers(order: fixture.order([.get])))
            #expect(missing.status == .notFound)
            #expect(try PieceErrorBody(missing) == PieceErrorBody(
                error: "this host holds no piece \(piece): fetch it from another host", status: 404))
        }
    }

    /// A put that is refused, how, and why.
    enum RefusedPut: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case noOrder, malformedOrder, forgedOrder, expiredOrder, otherHost, otherFile, getOnlyOrder, noHash, wrongHash,
            overMaxPieceBytes, overAbsoluteLimit

        var testDescription: String { rawValue }

        var status: HTTPResponse.Status {
            switch self {
            case .noOrder: return .unauthorized
            case .malformedOrder, .noHash, .wrongHash: return .badRequest
            case .forgedOrder, .expiredOrder, .otherHost, .otherFile, .getOnlyOrder: return .forbidden
            case .overMaxPieceBytes, .overAbsoluteLimit: return .contentTooLarge
            }
        }

        /// Words the refusal's message must contain.
        var message: String {
            switch self {
            case .noOrder: return "missing header Borg-Order: ask the coordinator for an order"
            case .malformedOrder: return "the order in Borg-Order is malformed"
            case .forgedOrder: return "is not signed by the coordinator"
            case .expiredOrder: return "has expired: ask the coordinator for a new order"
            case .otherHost: return "is for host 8, not this host (7)"
            case .otherFile: return "is for file ffffffffffffffffffffffffffffffff, not \(PieceFixture.fileID)"
            case .getOnlyOrder: return "does not allow put (it allows: get)"
            case .noHash: return "missing header Borg-Piece-SHA256"
            case .wrongHash: return "does not match its SHA-256"
            case .overMaxPieceBytes: return "larger than its order's limit of 1000 bytes"
            case .overAbsoluteLimit: return "larger than its order's limit of \(PieceServer.bodyLimit) bytes"
            }
        }

        /// The request's headers and body.
        func request(_ fixture: PieceFixture) throws -> (HTTPFields, Data) {
            let bytes = self == .overAbsoluteLimit ? Data(count: PieceServer.bodyLimit + 1) : PieceFixture.bytes(1001)
            let sha = PieceFixture.sha256(bytes)
            let other = OrderSigner(privateKey: Curve25519.Signing.PrivateKey())
            let order: String?
            switch self {
            case .noOrder: order = nil
            case .malformedOrder: order = "not-an-order"
            case .forgedOrder: order = fixture.order([.put], signer: other)
            case .expiredOrder: order = fixture.order([.put], expires: PieceFixture.now - 1)
            case .otherHost: order = fixture.order([.put], host: 8)
            case .otherFile: order = fixture.order([.put], fileID: String(repeating: "f", count: 32))
            case .getOnlyOrder: order = fixture.order([.get])
            case .overMaxPieceBytes: order = fixture.order([.put], maxPieceBytes: 1000)
            case .overAbsoluteLimit: order = fixture.order([.put], maxPieceBytes: Int.max)
            case .noHash, .wrongHash: order = fixture.order([.put])
            }
            let claimed: String? = switch self {
            case .noHash: nil
            case .wrongHash: PieceFixture.sha256(bytes + [0])
            default: sha
            }
            return (try PieceFixture.headers(order: order, sha256: claimed), bytes)
        }
    }

    @Test(arguments: RefusedPut.allCases)
    func refusedPutsStoreNothing(_ refused: RefusedPut) async throws {
        let fixture = try PieceFixture()
        let (headers, bytes) = try refused.request(fixture)
        try await fixture.live { client in
            let response = try await client.execute(
                uri: "/v1/pieces/\(PieceFixture.piece(0))", method: .put, headers: headers, body: ByteBuffer(bytes: bytes))
            #expect(response.status == refused.status)
            let body = try PieceErrorBody(response)
            #expect(body.status == refused.status.code)
            #expect(body.error.contains(refused.message), "\(body.error)")
            // The connection still serves: the refused body did not wedge it.
            #expect(try await client.execute(uri: "/v1/health", method: .get).status == .ok)
            #expect(fixture.store.pieces().isEmpty && fixture.store.usedBytes == 0)
            #expect(fixture.filesOnDisk().isEmpty)
        }
    }

    @Test(arguments: [
        "..%2Fetc", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e", "0123456789abcdef0123456789abcdef.0.0%2F..",
        "0123456789abcdef0123456789abcdef.-1.0", "0123456789abcdef0123456789abcdef.0", "0123456789ABCDEF0123456789ABCDEF.0.0",
        "0123456789abcdef0123456789abcdef.0.0.0", "0123456789abcdef0123456789abcdef.0.0%00", "x",
    ])
    func malformedPieceIDsAreRefused(_ name: String) async throws {
        let fixture = try PieceFixture()
        let bytes = PieceFixture.bytes(100)
        let outside = Set(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path))
        try await fixture.live { client in
            let headers = try PieceFixture.headers(order: fixture.order([.put, .get, .delete]), sha256: PieceFixture.sha256(bytes))
            for method in [HTTPRequest.Method.put, .get, .delete] {
                let response = try await client.execute(
                    uri: "/v1/pieces/\(name)", method: method, headers: headers, body: ByteBuffer(bytes: bytes))
                #expect(response.status == .badRequest, "\(method) \(name)")
                let body = try PieceErrorBody(response)
                #expect(body.status == 400 && body.error.contains("is not a piece id"), "\(body.error)")
            }
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path)) == outside)
            #expect(fixture.store.pieces().isEmpty && fixture.store.usedBytes == 0)
            #expect(fixture.filesOnDisk().isEmpty)
        }
    }

    @Test func unknownRoutesAnswerJSON() async throws {
        let fixture = try PieceFixture()
        try await fixture.live { client in
            for uri in ["/v1/pieces/../../etc/passwd", "/v1/piecez", "/v2/health"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                #expect(try PieceErrorBody(response).error.contains("no route GET"), "\(uri)")
            }
        }
    }

    @Test func aFullDonationAnswers507AndNeverPassesTheCap() async throws {
        let fixture = try PieceFixture(capacity: 3000)
        try await fixture.live { client in
            let order = fixture.order([.put])
            func put(_ index: Int, _ bytes: Data) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/pieces/\(PieceFixture.piece(index))", method: .put,
                    headers: PieceFixture.headers(order: order, sha256: PieceFixture.sha256(bytes)), body: ByteBuffer(bytes: bytes))
            }
            for index in 0..<3 {
                #expect(try await put(index, PieceFixture.bytes(1000, seed: UInt8(index))).status == .created)
            }
            let full = try await put(3, PieceFixture.bytes(1))
            #expect(full.status.code == 507)
            #expect(try PieceErrorBody(full) == PieceErrorBody(
                error: "this host's storage donation is full (3000 of 3000 bytes used, 1 more needed): store the piece on another host",
                status: 507))
            #expect(fixture.store.usedBytes == 3000)
            #expect(fixture.store.pieces() == (0..<3).map { PieceFixture.piece($0) })
            // A piece sent again is taken even when the donation is full; other bytes for it never are.
            #expect(try await put(1, PieceFixture.bytes(1000, seed: 1)).status == .created)
            let other = try await put(1, PieceFixture.bytes(1000, seed: 9))
            #expect(other.status == .conflict)
            #expect(try PieceErrorBody(other).error.contains("already holds piece \(PieceFixture.piece(1)) with other bytes"))
            #expect(fixture.store.usedBytes == 3000)
            // An order that may also delete it (repair's) replaces it, within the cap.
            let replacing = try PieceFixture.headers(order: fixture.order([.put, .delete]), sha256: PieceFixture.sha256(PieceFixture.bytes(1000, seed: 9)))
            let replaced = try await client.execute(uri: "/v1/pieces/\(PieceFixture.piece(1))", method: .put, headers: replacing,
                                                    body: ByteBuffer(bytes: PieceFixture.bytes(1000, seed: 9)))
            #expect(replaced.status == .created)
            #expect(try Data(fixture.store.get(PieceFixture.piece(1)).readableBytesView) == PieceFixture.bytes(1000, seed: 9))
            #expect(fixture.store.usedBytes == 3000)
        }
    }

    @Test func aLeavingHostTakesNoNewPiecesButServesAndHandsOverWhatItHolds() async throws {
        let fixture = try PieceFixture()
        try await fixture.live { client in
            func put(_ index: Int, _ bytes: Data, actions: [PieceAction] = [.put]) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/pieces/\(PieceFixture.piece(index))", method: .put,
                    headers: PieceFixture.headers(order: fixture.order(actions), sha256: PieceFixture.sha256(bytes)), body: ByteBuffer(bytes: bytes))
            }
            let held = PieceFixture.bytes(1000)
            #expect(try await put(0, held).status == .created)
            fixture.store.refuseNewPieces()
            for actions: [PieceAction] in [[.put], [.put, .delete]] {
                let refused = try await put(1, PieceFixture.bytes(500), actions: actions)
                #expect(refused.status == .serviceUnavailable)
                #expect(try PieceErrorBody(refused) == PieceErrorBody(
                    error: "this host is leaving the grid and takes no new pieces: store the piece on another host", status: 503))
            }
            #expect(fixture.store.pieces() == [PieceFixture.piece(0)] && fixture.store.usedBytes == 1000)
            // A retry of a piece it holds still succeeds; what it holds is read and deleted as before.
            #expect(try await put(0, held).status == .created)
            let get = try await client.execute(uri: "/v1/pieces/\(PieceFixture.piece(0))", method: .get,
                                               headers: PieceFixture.headers(order: fixture.order([.get])))
            #expect(get.status == .ok && Data(get.body.readableBytesView) == held)
            let delete = try await client.execute(uri: "/v1/pieces/\(PieceFixture.piece(0))", method: .delete,
                                                  headers: PieceFixture.headers(order: fixture.order([.delete])))
            #expect(delete.status == .noContent && fixture.store.pieces().isEmpty)
        }
    }

    @Test func getAndDeleteNeedOrdersThatAllowThem() async throws {
        let fixture = try PieceFixture()
        let piece = PieceFixture.piece(0)
        let bytes = PieceFixture.bytes(10)
        try fixture.store.put(piece, bytes: bytes, sha256: PieceFixture.sha256(bytes))
        let uri = "/v1/pieces/\(piece)"
        try await fixture.live { client in
            #expect(try await client.execute(uri: uri, method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: uri, method: .delete).status == .unauthorized)
            let putOnly = try PieceFixture.headers(order: fixture.order([.put]))
            let get = try await client.execute(uri: uri, method: .get, headers: putOnly)
            #expect(get.status == .forbidden)
            #expect(try PieceErrorBody(get).error.contains("does not allow get (it allows: put)"))
            let getOnly = try PieceFixture.headers(order: fixture.order([.get]))
            #expect(try await client.execute(uri: uri, method: .delete, headers: getOnly).status == .forbidden)
            let expired = try PieceFixture.headers(order: fixture.order([.get, .delete], expires: PieceFixture.now - 1))
            #expect(try await client.execute(uri: uri, method: .get, headers: expired).status == .forbidden)
            #expect(try await client.execute(uri: uri, method: .delete, headers: expired).status == .forbidden)
        }
        #expect(fixture.store.pieces() == [piece])
    }

    @Test func ordersFollowTheKeysAndHostOfTheMoment() async throws {
        let fixture = try PieceFixture()
        let piece = PieceFixture.piece(0)
        let bytes = PieceFixture.bytes(10)
        try fixture.store.put(piece, bytes: bytes, sha256: PieceFixture.sha256(bytes))
        let uri = "/v1/pieces/\(piece)"
        let rotated = OrderSigner(privateKey: Curve25519.Signing.PrivateKey())
        try await fixture.live { client in
            let old = try PieceFixture.headers(order: fixture.order([.get]))
            let new = try PieceFixture.headers(order: fixture.order([.get], signer: rotated))
            #expect(try await client.execute(uri: uri, method: .get, headers: old).status == .ok)
            #expect(try await client.execute(uri: uri, method: .get, headers: new).status == .forbidden)
            try fixture.keys.update([fixture.signer.publicKey, rotated.publicKey])
            #expect(try await client.execute(uri: uri, method: .get, headers: new).status == .ok)
            try fixture.keys.update([rotated.publicKey])
            #expect(try await client.execute(uri: uri, method: .get, headers: old).status == .forbidden)
            #expect(throws: (any Error).self) { try fixture.keys.update(["not a key"]) }
            #expect(try await client.execute(uri: uri, method: .get, headers: new).status == .ok)
            fixture.keys.update(host: 8)
            #expect(try await client.execute(uri: uri, method: .get, headers: new).status == .forbidden)
            try fixture.keys.update([])
            let unknown = try await client.execute(uri: uri, method: .get, headers: new)
            #expect(unknown.status == .serviceUnavailable)
            #expect(try PieceErrorBody(unknown).error.contains("has not yet learned the coordinator's order keys"))
        }
    }

    @Test func aRememberedOrderStillExpires() async throws {
        let clock = Mutex(PieceFixture.now)
        let fixture = try PieceFixture(clock: { clock.withLock { $0 } })
        let piece = PieceFixture.piece(0)
        let bytes = PieceFixture.bytes(10)
        try fixture.store.put(piece, bytes: bytes, sha256: PieceFixture.sha256(bytes))
        let uri = "/v1/pieces/\(piece)"
        let order = try PieceFixture.headers(order: fixture.order([.get], expires: PieceFixture.now + 60))
        try await fixture.live { client in
            #expect(try await client.execute(uri: uri, method: .get, headers: order).status == .ok)
            #expect(try await client.execute(uri: uri, method: .get, headers: order).status == .ok)
            clock.withLock { $0 = PieceFixture.now + 61 }
            let late = try await client.execute(uri: uri, method: .get, headers: order)
            #expect(late.status == .forbidden)
            #expect(try PieceErrorBody(late).error.contains("has expired"))
        }
    }

    @Test func aSymlinkAtAPiecePathIsNotServed() async throws {
        let fixture = try PieceFixture()
        let piece = PieceFixture.piece(0)
        let secret = fixture.root.appendingPathComponent("secret")
        try Data("TOP SECRET".utf8).write(to: secret)
        let fileDirectory = fixture.store.directory.appendingPathComponent(PieceFixture.fileID)
        try FileManager.default.createDirectory(at: fileDirectory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fileDirectory.appendingPathComponent("0.0").path, withDestinationPath: secret.path)
        try await fixture.live { client in
            let response = try await client.execute(
                uri: "/v1/pieces/\(piece)", method: .get, headers: PieceFixture.headers(order: fixture.order([.get])))
            #expect(response.status == .internalServerError)
            #expect(!String(decoding: response.body.readableBytesView, as: UTF8.self).contains("TOP SECRET"))
            #expect(try PieceErrorBody(response).error.contains("is a symbolic link or not a regular file"))
        }
    }
}
