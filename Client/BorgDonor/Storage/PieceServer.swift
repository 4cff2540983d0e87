import BorgHTTP
import BorgProtocol
import BorgStorage
import Foundation
import Hummingbird
import NIOCore

/// Serves this host's ``PieceStore`` over HTTP to the clients that store and fetch pieces:
///
/// - `PUT /v1/pieces/<piece>`: body the piece, `Borg-Piece-SHA256` its hex SHA-256; 201 `{"piece", "sha256", "size"}`.
/// - `PUT /v1/pieces`: several pieces of one file, their bytes one after another in the body, listed in order in
///   `Borg-Pieces` as `<piece>:<size>:<sha256>` separated by commas; 201 with the list of what was stored.
///   Each is checked as by the single put; a batch refused (a piece that does not match its SHA-256, a
///   donation too full for all of them) stores nothing.
/// - `GET /v1/pieces/<piece>`: 200 with the piece's bytes.
/// - `GET /v1/pieces?ids=<piece>,<piece>,…`: 200 with the pieces' bytes one after another, listed in
///   `Borg-Pieces` as `<piece>:<size>` in body order; 404 if any is missing.
/// - `DELETE /v1/pieces/<piece>`: 204, also when the piece was not there.
/// - `GET /v1/health`: 200 `{"usedBytes", "capacityBytes", "pieces"}`, without an order.
///
/// Every piece request carries in `Borg-Order` an order the coordinator signed (checked against
/// ``OrderKeys``) that allows its action on its piece at this host. Failures answer
/// `{"error": "...", "status": N}`.
public struct PieceServer: Sendable {
    /// The most bytes of a piece read, whatever its order allows; also the most bytes of a batch.
    public static let bodyLimit = 16 << 20
    /// The most pieces in one batch put.
    public static let batchLimit = 64

    /// The pieces served.
    public let store: PieceStore
    /// The keys and host id that orders are checked against.
    public let keys: OrderKeys
    private let host: String
    private let port: Int
    private let clock: @Sendable () -> Double
    private let idleTimeout: Duration

    /// A server of `store` on `host`:`port` (port 0: a free one), checking orders against `keys` at the
    /// time `clock` tells (seconds since 1970), closing a connection once it has been the client's turn for
    /// `idleTimeout` with nothing moving (``IdleConnectionHandler``: a client that stalls mid-upload or stops
    /// reading mid-download holds neither a connection nor the server's shutdown for longer).
    public init(
        store: PieceStore, keys: OrderKeys, host: String = "0.0.0.0", port: Int,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, idleTimeout: Duration = IdleConnectionHandler.defaultTimeout
    ) {
        self.store = store
        self.keys = keys
        self.host = host
        self.port = port
        self.clock = clock
        self.idleTimeout = idleTimeout
    }

    /// The application to run (`runService()`); `onRunning` is told the port it listens on.
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            server: .http1(configuration: .init(additionalChannelHandlers: [IdleConnectionHandler(timeout: idleTimeout)])),
            configuration: .init(address: .hostname(host, port: port), serverName: "borg-client"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) })
    }

    /// The routes, for an application of one's own.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: PieceErrorMiddleware())
        router.put("/v1/pieces/:piece") { request, context in try await put(request, context: context) }
        router.put("/v1/pieces") { request, _ in try await putBatch(request) }
        router.get("/v1/pieces") { request, _ in try await getBatch(request) }
        router.get("/v1/pieces/:piece") { request, context in try await get(request, context: context) }
        router.delete("/v1/pieces/:piece") { request, context in try await delete(request, context: context) }
        router.get("/v1/health") { _, _ in try health() }
        return router
    }

    private func put(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let piece = try Self.piece(in: context)
        let order = try authorize(request, .put, on: piece)
        guard let sha256 = Self.header(PieceHeaders.sha256, of: request) else {
            throw PieceHTTPError(.badRequest, "missing header \(PieceHeaders.sha256): send the piece's SHA-256 in hex")
        }
        let bytes = try await Self.body(of: request, limit: max(0, min(order.maxPieceBytes, Self.bodyLimit)))
        // An order that may delete the piece may as well replace it (repair puts a damaged piece back).
        let replacing = order.allows(.delete, on: piece, host: order.host, bytes: nil)
        try await Self.offload { [store] in try store.put(piece, bytes: bytes, sha256: sha256, replacing: replacing) }
        return try Self.json(Stored(piece: piece.description, sha256: sha256.lowercased(), size: bytes.count), status: .created)
    }

    private func putBatch(_ request: Request) async throws -> Response {
        let (order, host) = try verifiedOrder(of: request)
        guard let listing = Self.header(PieceHeaders.pieces, of: request) else {
            throw PieceHTTPError(
                .badRequest, "missing header \(PieceHeaders.pieces): list the pieces in body order as <piece>:<size>:<sha256>, separated by commas")
        }
        let batch = try Self.batch(listing)
        let limit = max(0, min(order.maxPieceBytes, Self.bodyLimit))
        for entry in batch {
            try check(order, host: host, allows: .put, on: entry.piece)
            guard entry.size <= limit else {
                throw PieceHTTPError(
                    .contentTooLarge, "piece \(entry.piece) is larger than its order's limit of \(limit) bytes: cut pieces no larger than the order allows")
            }
        }
        let total = batch.reduce(0) { $0 + $1.size }
        guard total <= Self.bodyLimit else {
            throw PieceHTTPError(.contentTooLarge, "a batch carries at most \(Self.bodyLimit) bytes, these pieces \(total): send fewer at once")
        }
        let bytes = try await Self.body(
            of: request, limit: total,
            tooLarge: "the body is longer than the \(total) bytes of the pieces in \(PieceHeaders.pieces): send exactly the pieces listed")
        guard bytes.count == total else {
            throw PieceHTTPError(.badRequest, "the body has \(bytes.count) bytes, the pieces in \(PieceHeaders.pieces) \(total): send them all, in order")
        }
        var offset = bytes.startIndex
        let pieces = batch.map { entry in
            defer { offset += entry.size }
            return (piece: entry.piece, bytes: bytes[offset..<(offset + entry.size)], sha256: entry.sha256)
        }
        let replacing = batch.allSatisfy { order.allows(.delete, on: $0.piece, host: host, bytes: nil) }
        try await Self.offload { [store] in try store.put(pieces, replacing: replacing) }
        return try Self.json(
            batch.map { Stored(piece: $0.piece.description, sha256: $0.sha256.lowercased(), size: $0.size) }, status: .created)
    }

    private func get(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let piece = try Self.piece(in: context)
        _ = try authorize(request, .get, on: piece)
        let bytes = try await Self.offload { [store] in try store.get(piece) }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody(byteBuffer: bytes))
    }

    private func getBatch(_ request: Request) async throws -> Response {
        let (order, host) = try verifiedOrder(of: request)
        let pieces = try Self.pieces(in: request.uri.queryParameters.get("ids") ?? "")
        for piece in pieces { try check(order, host: host, allows: .get, on: piece) }
        let tooLarge = PieceHTTPError(.contentTooLarge, "these pieces pass \(Self.bodyLimit) bytes: ask for fewer at once")
        // Refused before a byte is read; the sum is checked again as they are read (a piece may be replaced meanwhile).
        guard pieces.reduce(Int64(0), { $0 + (store.size(of: $1) ?? 0) }) <= Self.bodyLimit else { throw tooLarge }
        let buffers = try await Self.offload { [store] in
            store.prefetch(pieces)
            var total = 0
            return try pieces.map { piece in
                let bytes = try store.get(piece)
                total += bytes.readableBytes
                guard total <= Self.bodyLimit else { throw tooLarge }
                return bytes
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.contentLength] = String(buffers.reduce(0) { $0 + $1.readableBytes })
        if let name = HTTPFields.Element.Name(PieceHeaders.pieces) {
            headers[name] = zip(pieces, buffers).map { "\($0):\($1.readableBytes)" }.joined(separator: ",")
        }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for buffer in buffers { try await writer.write(buffer) }
            try await writer.finish(nil)
        })
    }

    private func delete(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let piece = try Self.piece(in: context)
        _ = try authorize(request, .delete, on: piece)
        _ = try await Self.offload { [store] in try store.delete(piece) }
        return Response(status: .noContent)
    }

    private func health() throws -> Response {
        try Self.json(Health(usedBytes: store.usedBytes, capacityBytes: store.capacity, pieces: store.pieceCount))
    }

    /// The order in the request's `Borg-Order`, once it is the coordinator's, unexpired, and allows
    /// `action` on `piece` at this host.
    private func authorize(_ request: Request, _ action: PieceAction, on piece: PieceID) throws -> PieceOrder {
        let (order, host) = try verifiedOrder(of: request)
        try check(order, host: host, allows: action, on: piece)
        return order
    }

    /// The order in the request's `Borg-Order`, once it is the coordinator's and unexpired, with this host's id.
    private func verifiedOrder(of request: Request) throws -> (order: PieceOrder, host: Int64) {
        guard let token = Self.header(PieceHeaders.order, of: request) else {
            throw PieceHTTPError(
                .unauthorized, "missing header \(PieceHeaders.order): ask the coordinator for an order for this piece and send it")
        }
        let verified: (order: PieceOrder, host: Int64)?
        do {
            verified = try keys.verify(token, now: clock())
        } catch StorageError.forgedOrder {
            throw PieceHTTPError(
                .forbidden, "the order in \(PieceHeaders.order) is not signed by the coordinator: ask the coordinator for a new order")
        } catch StorageError.expiredOrder {
            throw PieceHTTPError(.forbidden, "the order in \(PieceHeaders.order) has expired: ask the coordinator for a new order")
        } catch StorageError.malformedOrder(let reason) {
            throw PieceHTTPError(
                .badRequest, "the order in \(PieceHeaders.order) is malformed (\(reason)): send the order the coordinator issued, unchanged")
        } catch {
            throw PieceHTTPError(
                .badRequest, "the order in \(PieceHeaders.order) is not valid (\(error)): ask the coordinator for a new order")
        }
        guard let verified else {
            throw PieceHTTPError(
                .serviceUnavailable,
                "this host has not yet learned the coordinator's order keys: try again in a minute, or another host")
        }
        return verified
    }

    /// Refuses unless `order` allows `action` on `piece` at this host (`host`).
    private func check(_ order: PieceOrder, host: Int64, allows action: PieceAction, on piece: PieceID) throws {
        guard order.allows(action, on: piece, host: host, bytes: nil) else {
            throw PieceHTTPError(.forbidden, Self.refusal(of: order, action, on: piece, host: host))
        }
    }

    /// Says what an order does not allow.
    private static func refusal(of order: PieceOrder, _ action: PieceAction, on piece: PieceID, host: Int64) -> String {
        let what: String
        if !order.actions.contains(action) {
            let allowed = order.actions.map(\.rawValue).joined(separator: ", ")
            what = "does not allow \(action.rawValue) (it allows: \(allowed.isEmpty ? "nothing" : allowed))"
        } else if order.fileID != piece.fileID {
            what = "is for file \(order.fileID), not \(piece.fileID)"
        } else if order.host != host {
            what = "is for host \(order.host), not this host (\(host))"
        } else {
            what = "does not allow \(action.rawValue) on piece \(piece)"
        }
        return "the order in \(PieceHeaders.order) \(what): ask the coordinator for an order that covers it"
    }

    /// The piece the path names.
    private static func piece(in context: BasicRequestContext) throws -> PieceID {
        let text = context.parameters.get("piece") ?? ""
        do {
            return try PieceID(parsing: text)
        } catch {
            throw PieceHTTPError(
                .badRequest, "'\(text)' is not a piece id (\(error)); pieces are named <32 lowercase hex digits>.<segment>.<index>")
        }
    }

    /// One piece of a batch put, as `Borg-Pieces` lists it.
    private struct BatchEntry: Sendable {
        let piece: PieceID
        let size: Int
        let sha256: String
    }

    /// The pieces `listing` (the value of `Borg-Pieces`) names, each once, at most ``batchLimit``.
    private static func batch(_ listing: String) throws -> [BatchEntry] {
        try batchItems(listing, name: PieceHeaders.pieces, piece: \.piece) { item in
            let fields = Self.trimmingSpaces(item).split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, let size = Int(fields[1]), size >= 0, fields[2].utf8.count == 64,
                fields[2].utf8.allSatisfy(Self.isHexDigit), let piece = try? PieceID(parsing: String(fields[0]))
            else {
                throw PieceHTTPError(
                    .badRequest, "'\(item.prefix(200))' in \(PieceHeaders.pieces) is not <piece>:<size>:<sha256>; pieces are named <32 lowercase hex digits>.<segment>.<index>")
            }
            return BatchEntry(piece: piece, size: size, sha256: String(fields[2]))
        }
    }

    /// The pieces `ids` (comma-separated) names, each once, at most ``batchLimit``.
    private static func pieces(in ids: String) throws -> [PieceID] {
        try batchItems(ids, name: "ids", piece: { $0 }) { item in
            guard let piece = try? PieceID(parsing: String(item)) else {
                throw PieceHTTPError(
                    .badRequest, "'\(item.prefix(200))' in ids is not a piece id; list pieces as <32 lowercase hex digits>.<segment>.<index>, comma-separated")
            }
            return piece
        }
    }

    /// The comma-separated items of `list` (called `name` in messages), at most ``batchLimit``, each read by
    /// `parse` and naming a `piece` that no other item names.
    private static func batchItems<Item>(
        _ list: String, name: String, piece: (Item) -> PieceID, parse: (Substring) throws -> Item
    ) throws -> [Item] {
        let items = list.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count <= batchLimit else {
            throw PieceHTTPError(.badRequest, "\(name) lists \(items.count) pieces, at most \(batchLimit) go in one request: send fewer at once")
        }
        var seen = Set<PieceID>()
        return try items.map { text in
            let item = try parse(text)
            guard seen.insert(piece(item)).inserted else {
                throw PieceHTTPError(.badRequest, "\(name) lists piece \(piece(item)) twice: list each piece once")
            }
            return item
        }
    }

    /// `item` without the spaces and tabs around it (HTTP's optional whitespace in lists).
    private static func trimmingSpaces(_ item: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let start = item.firstIndex { !isSpace($0) } ?? item.endIndex
        let end = item.lastIndex { !isSpace($0) }.map { item.index(after: $0) } ?? start
        return item[start..<end]
    }

    /// Whether `byte` is an ASCII hexadecimal digit.
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// The first value of header `name`.
    private static func header(_ name: String, of request: Request) -> String? {
        let canonical = name.lowercased()
        return request.headers.first { $0.name.canonicalName == canonical }?.value
    }

    /// The request's body, refused past `limit` bytes (with `tooLarge` as the reason, when given).
    private static func body(of request: Request, limit: Int, tooLarge reason: String? = nil) async throws -> Data {
        let tooLarge = PieceHTTPError(
            .contentTooLarge,
            reason ?? "the piece is larger than its order's limit of \(limit) bytes: cut pieces no larger than the order allows")
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > limit { throw tooLarge }
        var data = Data()
        data.reserveCapacity(max(0, declared ?? 0))
        for try await chunk in request.body {
            guard data.count + chunk.readableBytes <= limit else { throw tooLarge }
            data.append(contentsOf: chunk.readableBytesView)
        }
        return data
    }

    /// Runs blocking file work on a Dispatch thread rather than one of the few threads that the daemon's
    /// tasks share.
    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// `value` as a JSON answer.
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// The answer to a put.
    private struct Stored: Codable {
        var piece: String
        var sha256: String
        var size: Int
    }

    /// The answer to `GET /v1/health`.
    private struct Health: Codable {
        var usedBytes: Int64
        var capacityBytes: Int64
        var pieces: Int
    }
}
