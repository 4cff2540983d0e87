import BorgDonor
import BorgProtocol
import BorgStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `PUT /v1/pieces`: several pieces of a file in one request.
extension PieceServerTests {
    /// A piece of a batch: its id, bytes and the SHA-256 the listing claims (its own unless told).
    struct Listed {
        var piece: PieceID
        var bytes: Data
        var claimed: String

        init(_ piece: PieceID, _ bytes: Data, claimed: String? = nil) {
            self.piece = piece
            self.bytes = bytes
            self.claimed = claimed ?? PieceFixture.sha256(bytes)
        }

        /// `Borg-Pieces` for `pieces`.
        static func listing(_ pieces: [Listed]) -> String {
            pieces.map { "\($0.piece):\($0.bytes.count):\($0.claimed)" }.joined(separator: ",")
        }
    }

    /// Sends a batch put with `listing` (nil: no `Borg-Pieces`) and `body`.
    static func putBatch(
        _ client: any TestClientProtocol, order: String?, listing: String?, body: Data
    ) async throws -> TestResponse {
        var headers = try PieceFixture.headers(order: order)
        if let listing { headers[try #require(HTTPFields.Element.Name(PieceHeaders.pieces))] = listing }
        return try await client.execute(uri: "/v1/pieces", method: .put, headers: headers, body: ByteBuffer(bytes: body))
    }

    @Test func aBatchPutStoresEveryPieceItListsAndEachReadsBack() async throws {
        let fixture = try PieceFixture()
        let batch = [
            Listed(PieceFixture.piece(0, segment: 0), PieceFixture.bytes(70_000, seed: 1)),
            Listed(PieceFixture.piece(2, segment: 1), PieceFixture.bytes(1, seed: 2)),
            Listed(PieceFixture.piece(1, segment: 7), PieceFixture.bytes(123_457, seed: 3)),
        ]
        try await fixture.live { client in
            let response = try await Self.putBatch(
                client, order: fixture.order([.put]), listing: Listed.listing(batch), body: batch.reduce(Data()) { $0 + $1.bytes })
            #expect(response.status == .created)
            let stored = try JSONDecoder().decode([Stored].self, from: Data(response.body.readableBytesView))
            #expect(stored == batch.map { Stored(piece: $0.piece.description, sha256: $0.claimed, size: $0.bytes.count) })
            #expect(Set(fixture.store.pieces()) == Set(batch.map(\.piece)))
            #expect(fixture.store.usedBytes == Int64(batch.reduce(0) { $0 + $1.bytes.count }))
            for listed in batch {
                let get = try await client.execute(
                    uri: "/v1/pieces/\(listed.piece)", method: .get, headers: PieceFixture.headers(order: fixture.order([.get])))
                #expect(get.status == .ok)
                #expect(Data(get.body.readableBytesView) == listed.bytes, "\(listed.piece)")
            }
        }
    }

    @Test func aBatchListingMayHaveSpacesAroundItsItems() async throws {
        let fixture = try PieceFixture()
        let batch = [
            Listed(PieceFixture.piece(0, segment: 0), PieceFixture.bytes(100, seed: 4)),
            Listed(PieceFixture.piece(1, segment: 0), PieceFixture.bytes(200, seed: 5)),
        ]
        let listing = batch.map { " \($0.piece):\($0.bytes.count):\($0.claimed)\t" }.joined(separator: ", ")
        try await fixture.live { client in
            let response = try await Self.putBatch(
                client, order: fixture.order([.put]), listing: listing, body: batch.reduce(Data()) { $0 + $1.bytes })
            #expect(response.status == .created, "\(String(buffer: response.body))")
            #expect(Set(fixture.store.pieces()) == Set(batch.map(\.piece)))
        }
    }

    /// A batch put that is refused as a whole before anything is stored, how, and why.
    enum RefusedBatch: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case noListing, malformedEntry, badPieceID, shortHash, listedTwice, tooManyPieces, bodyShorterThanListed,
            bodyLongerThanListed, oneOverMaxPieceBytes, overBodyLimit, oneOfAnotherFile, getOnlyOrder, noOrder

        var testDescription: String { rawValue }

        var status: HTTPResponse.Status {
            switch self {
            case .noOrder: .unauthorized
            case .oneOfAnotherFile, .getOnlyOrder: .forbidden
            case .oneOverMaxPieceBytes, .overBodyLimit, .bodyLongerThanListed: .contentTooLarge
            default: .badRequest
            }
        }

        /// Words the refusal's message must contain.
        var message: String {
            switch self {
            case .noListing: "missing header Borg-Pieces: list the pieces in body order"
            case .malformedEntry, .badPieceID, .shortHash: "in Borg-Pieces is not <piece>:<size>:<sha256>"
            case .listedTwice: "lists piece \(PieceFixture.piece(0)) twice"
            case .tooManyPieces: "lists 65 pieces, at most 64 go in one request"
            case .bodyShorterThanListed: "the body has 199 bytes, the pieces in Borg-Pieces 200"
            case .bodyLongerThanListed: "the body is longer than the 200 bytes of the pieces in Borg-Pieces"
            case .oneOverMaxPieceBytes: "piece \(PieceFixture.piece(1)) is larger than its order's limit of 150 bytes"
            case .overBodyLimit: "a batch carries at most \(PieceServer.bodyLimit) bytes"
            case .oneOfAnotherFile: "is for file \(PieceFixture.fileID), not ffffffffffffffffffffffffffffffff"
            case .getOnlyOrder: "does not allow put (it allows: get)"
            case .noOrder: "missing header Borg-Order"
            }
        }

        /// The order, listing and body sent.
        func request(_ fixture: PieceFixture) -> (order: String?, listing: String?, body: Data) {
            let good = [Listed(PieceFixture.piece(0), PieceFixture.bytes(100, seed: 1)), Listed(PieceFixture.piece(1), PieceFixture.bytes(100, seed: 2))]
            let body = good.reduce(Data()) { $0 + $1.bytes }
            let order = fixture.order([.put])
            let listing = Listed.listing(good)
            switch self {
            case .noListing: return (order, nil, body)
            case .malformedEntry: return (order, listing + ",nonsense", body)
            case .badPieceID: return (order, listing.replacingOccurrences(of: "\(PieceFixture.fileID).0.1", with: "../../etc.0.1"), body)
            case .shortHash: return (order, String(listing.dropLast()), body)
            case .listedTwice: return (order, Listed.listing([good[0], good[0]]), body)
            case .tooManyPieces:
                let many = (0..<65).map { Listed(PieceFixture.piece($0), Data()) }
                return (order, Listed.listing(many), Data())
            case .bodyShorterThanListed: return (order, listing, body.dropLast())
            case .bodyLongerThanListed: return (order, listing, body + [0])
            case .oneOverMaxPieceBytes:
                let bigger = [good[0], Listed(PieceFixture.piece(1), PieceFixture.bytes(151))]
                return (fixture.order([.put], maxPieceBytes: 150), Listed.listing(bigger), bigger.reduce(Data()) { $0 + $1.bytes })
            case .overBodyLimit:
                let size = PieceServer.bodyLimit / 2 + 1
                let halves = [Listed(PieceFixture.piece(0), Data(count: size)), Listed(PieceFixture.piece(1), Data(count: size))]
                return (fixture.order([.put], maxPieceBytes: Int.max), Listed.listing(halves), Data())
            case .oneOfAnotherFile:
                let mixed = [good[0], Listed(PieceFixture.piece(1, fileID: String(repeating: "f", count: 32)), good[1].bytes)]
                return (order, Listed.listing(mixed), body)
            case .getOnlyOrder: return (fixture.order([.get]), listing, body)
            case .noOrder: return (nil, listing, body)
            }
        }
    }

    @Test(arguments: RefusedBatch.allCases)
    func refusedBatchesStoreNothing(_ refused: RefusedBatch) async throws {
        let fixture = try PieceFixture()
        let (order, listing, body) = refused.request(fixture)
        try await fixture.live { client in
            let response = try await Self.putBatch(client, order: order, listing: listing, body: body)
            #expect(response.status == refused.status)
            let answer = try PieceErrorBody(response)
            #expect(answer.status == refused.status.code)
            #expect(answer.error.contains(refused.message), "\(answer.error)")
            #expect(try await client.execute(uri: "/v1/health", method: .get).status == .ok)
            #expect(fixture.store.pieces().isEmpty && fixture.store.usedBytes == 0)
            #expect(fixture.filesOnDisk().isEmpty)
        }
    }

    @Test func aBatchWithOneBadPieceStoresNone() async throws {
        let fixture = try PieceFixture()
        let first = Listed(PieceFixture.piece(0), PieceFixture.bytes(500, seed: 1))
        let damaged = Listed(PieceFixture.piece(1), PieceFixture.bytes(500, seed: 2), claimed: PieceFixture.sha256(PieceFixture.bytes(500, seed: 9)))
        let last = Listed(PieceFixture.piece(2), PieceFixture.bytes(500, seed: 3))
        try await fixture.live { client in
            let response = try await Self.putBatch(
                client, order: fixture.order([.put]), listing: Listed.listing([first, damaged, last]), body: first.bytes + damaged.bytes + last.bytes)
            #expect(response.status == .badRequest)
            #expect(try PieceErrorBody(response).error.contains("piece \(damaged.piece) does not match its SHA-256"))
            #expect(fixture.store.pieces().isEmpty && fixture.store.usedBytes == 0)
            #expect(fixture.filesOnDisk().isEmpty)
        }
    }

    @Test func aBatchThatDoesNotFitTheDonationWholeStoresNone() async throws {
        let fixture = try PieceFixture(capacity: 2500)
        let batch = (0..<3).map { Listed(PieceFixture.piece($0), PieceFixture.bytes(1000, seed: UInt8($0))) }
        try await fixture.live { client in
            let response = try await Self.putBatch(
                client, order: fixture.order([.put]), listing: Listed.listing(batch), body: batch.reduce(Data()) { $0 + $1.bytes })
            #expect(response.status.code == 507)
            #expect(try PieceErrorBody(response).error.contains("this host's storage donation is full"))
            #expect(fixture.store.pieces().isEmpty && fixture.store.usedBytes == 0)
            #expect(fixture.filesOnDisk().isEmpty)
            // Two of them fit.
            let fitting = Array(batch.prefix(2))
            let stored = try await Self.putBatch(
                client, order: fixture.order([.put]), listing: Listed.listing(fitting), body: fitting.reduce(Data()) { $0 + $1.bytes })
            #expect(stored.status == .created)
            #expect(fixture.store.usedBytes == 2000)
        }
    }

    @Test func aBatchGetAnswersEveryPieceInTheOrderAsked() async throws {
        let fixture = try PieceFixture()
        let stored = [(PieceFixture.piece(0), PieceFixture.bytes(1000, seed: 1)), (PieceFixture.piece(1, segment: 3), PieceFixture.bytes(77, seed: 2)),
                      (PieceFixture.piece(2, segment: 5), PieceFixture.bytes(300_000, seed: 3))]
        for (piece, bytes) in stored { try fixture.store.put(piece, bytes: bytes, sha256: PieceFixture.sha256(bytes)) }
        let asked = [stored[2], stored[0], stored[1]]
        try await fixture.live { client in
            let response = try await client.execute(
                uri: "/v1/pieces?ids=" + asked.map(\.0.description).joined(separator: ","), method: .get,
                headers: PieceFixture.headers(order: fixture.order([.get])))
            #expect(response.status == .ok)
            #expect(Data(response.body.readableBytesView) == asked.reduce(Data()) { $0 + $1.1 })
            let listing = response.headers[try #require(HTTPFields.Element.Name(PieceHeaders.pieces))]
            #expect(listing == asked.map { "\($0.0):\($0.1.count)" }.joined(separator: ","))
        }
    }

    @Test func aBatchGetPastTheBodyLimitIsRefused() async throws {
        let fixture = try PieceFixture()
        let size = PieceServer.bodyLimit / 2
        let pieces = (0..<3).map { PieceFixture.piece($0) }
        for piece in pieces {
            let bytes = PieceFixture.bytes(size, seed: UInt8(piece.index))
            try fixture.store.put(piece, bytes: bytes, sha256: PieceFixture.sha256(bytes))
        }
        try await fixture.live { client in
            let ids = pieces.map(\.description).joined(separator: ",")
            let refused = try await client.execute(uri: "/v1/pieces?ids=\(ids)", method: .get, headers: PieceFixture.headers(order: fixture.order([.get])))
            #expect(refused.status == .contentTooLarge)
            #expect(try PieceErrorBody(refused).error.contains("these pieces pass \(PieceServer.bodyLimit) bytes: ask for fewer at once"))
            let two = pieces.prefix(2).map(\.description).joined(separator: ",")
            let answered = try await client.execute(uri: "/v1/pieces?ids=\(two)", method: .get, headers: PieceFixture.headers(order: fixture.order([.get])))
            #expect(answered.status == .ok)
            #expect(answered.body.readableBytes == 2 * size)
        }
    }

    @Test(arguments: [
        ("one missing", "\(PieceFixture.piece(0)),\(PieceFixture.piece(5))", PieceAction.get, HTTPResponse.Status.notFound, "holds no piece \(PieceFixture.piece(5))"),
        ("a put order", "\(PieceFixture.piece(0))", .put, .forbidden, "does not allow get (it allows: put)"),
        ("listed twice", "\(PieceFixture.piece(0)),\(PieceFixture.piece(0))", .get, .badRequest, "lists piece \(PieceFixture.piece(0)) twice"),
        ("not a piece", "\(PieceFixture.piece(0)),..%2Fsecret", .get, .badRequest, "in ids is not a piece id"),
        ("none", "", .get, .badRequest, "in ids is not a piece id"),
        ("too many", (0..<65).map { "\(PieceFixture.piece($0))" }.joined(separator: ","), .get, .badRequest, "lists 65 pieces, at most 64"),
    ])
    func aRefusedBatchGetAnswersNoPiece(_ case: String, ids: String, action: PieceAction, status: HTTPResponse.Status, message: String)
        async throws
    {
        let fixture = try PieceFixture()
        let bytes = PieceFixture.bytes(100)
        try fixture.store.put(PieceFixture.piece(0), bytes: bytes, sha256: PieceFixture.sha256(bytes))
        try await fixture.live { client in
            let response = try await client.execute(
                uri: "/v1/pieces?ids=\(ids)", method: .get, headers: PieceFixture.headers(order: fixture.order([action])))
            #expect(response.status == status, "\(`case`)")
            let answer = try PieceErrorBody(response)
            #expect(answer.error.contains(message), "\(`case`): \(answer.error)")
        }
    }
}
