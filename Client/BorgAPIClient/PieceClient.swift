import AsyncHTTPClient
import BorgProtocol
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Moves pieces to and from storage hosts directly (`/v1/pieces/{piece}` on each host), each request under
/// an order the coordinator signed. Used by `borg-client files` and by the coordinator's repair.
public struct PieceClient: Sendable {
    let http: HTTPClient
    let timeout: TimeAmount

    public init(http: HTTPClient = CoordinatorClient.sharedHTTP, timeout: TimeAmount = .seconds(60)) {
        self.http = http
        self.timeout = timeout
    }

    /// Stores a piece on the host at `base`; the host checks it against `sha256`.
    public func put(_ bytes: ArraySlice<UInt8>, piece: String, sha256: String, order: String, at base: String) async throws {
        var request = HTTPClientRequest(url: Self.url(base, piece))
        request.method = .PUT
        request.headers.add(name: PieceHeaders.order, value: order)
        request.headers.add(name: PieceHeaders.sha256, value: sha256)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(bytes: bytes))
        try await send(request, piece: piece, base: base, limit: 1 << 16)
    }

    /// A piece to store, as ``put(_:order:at:)`` sends it.
    public struct Upload: Sendable {
        public let piece: String
        public let bytes: ArraySlice<UInt8>
        public let sha256: String

        public init(piece: String, bytes: ArraySlice<UInt8>, sha256: String) {
            self.piece = piece
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// Stores several pieces of one file on the host at `base` in one request (`PUT /v1/pieces`, the
    /// pieces listed in `Borg-Pieces`); the host checks each against its SHA-256. Throws unless every one
    /// was stored. A host from before that route (it answers 404) gets them one request each.
    public func put(_ uploads: [Upload], order: String, at base: String) async throws {
        let total = uploads.reduce(0) { $0 + $1.bytes.count }
        var body = ByteBuffer()
        body.reserveCapacity(total)
        for upload in uploads { body.writeBytes(upload.bytes) }
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        var request = HTTPClientRequest(url: base + "/v1/pieces")
        request.method = .PUT
        request.headers.add(name: PieceHeaders.order, value: order)
        request.headers.add(name: PieceHeaders.pieces, value: uploads.map { "\($0.piece):\($0.bytes.count):\($0.sha256)" }.joined(separator: ","))
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(body)
        let pieces = uploads.map(\.piece).joined(separator: ",")
        do {
            try await send(request, piece: pieces, base: base, limit: 1 << 20)
        } catch let error as PieceTransferError where error.status == 404 {
            // Donors upgrade when they like: a grid mixes hosts of several versions.
            for upload in uploads {
                try await put(upload.bytes, piece: upload.piece, sha256: upload.sha256, order: order, at: base)
            }
        }
    }

    /// A piece's bytes from the host at `base`, copied once from the network into the array.
    public func get(piece: String, order: String, at base: String, limit: Int) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: Self.url(base, piece))
        request.headers.add(name: PieceHeaders.order, value: order)
        let response = try await answer(request, piece: piece, base: base)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(limit, response.headers.first(name: "Content-Length").flatMap { Int($0) } ?? 0))
        do {
            for try await chunk in response.body {
                guard bytes.count + chunk.readableBytes <= limit else {
                    throw PieceTransferError(host: base, piece: piece, status: Int(response.status.code),
                                             reason: "answered more than \(limit) bytes", tooLarge: true)
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as PieceTransferError {
            throw error
        } catch {
            throw PieceTransferError(host: base, piece: piece, status: nil, reason: "\(error)")
        }
        return bytes
    }

    /// Several pieces from the host at `base` in one request (`GET /v1/pieces?ids=…`), each `sizes[i]` bytes,
    /// copied once from the network into their arrays. Throws unless the host answered every one, whole.
    public func get(pieces: [String], sizes: [Int], order: String, at base: String) async throws -> [[UInt8]] {
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        var request = HTTPClientRequest(url: base + "/v1/pieces?ids=" + pieces.joined(separator: ","))
        request.headers.add(name: PieceHeaders.order, value: order)
        let names = pieces.joined(separator: ",")
        let response = try await answer(request, piece: names, base: base)
        var arrays = sizes.map { size -> [UInt8] in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size)
            return bytes
        }
        var current = 0
        do {
            for try await var chunk in response.body {
                while chunk.readableBytes > 0 {
                    while current < sizes.count, arrays[current].count == sizes[current] { current += 1 }
                    guard current < sizes.count else {
                        throw PieceTransferError(host: base, piece: names, status: Int(response.status.code),
                                                 reason: "answered more than the \(sizes.reduce(0, +)) bytes asked for", tooLarge: true)
                    }
                    let take = min(chunk.readableBytes, sizes[current] - arrays[current].count)
                    if let slice = chunk.readSlice(length: take) { arrays[current].append(contentsOf: slice.readableBytesView) }
                }
            }
        } catch let error as PieceTransferError {
            throw error
        } catch {
            throw PieceTransferError(host: base, piece: names, status: nil, reason: "\(error)")
        }
        guard zip(arrays, sizes).allSatisfy({ $0.count == $1 }) else {
            throw PieceTransferError(host: base, piece: names, status: Int(response.status.code),
                                     reason: "answered fewer than the \(sizes.reduce(0, +)) bytes asked for")
        }
        return arrays
    }

    /// Deletes a piece from the host at `base` (done if it is not there).
    public func delete(piece: String, order: String, at base: String) async throws {
        var request = HTTPClientRequest(url: Self.url(base, piece))
        request.method = .DELETE
        request.headers.add(name: PieceHeaders.order, value: order)
        try await send(request, piece: piece, base: base, limit: 1 << 16)
    }

    /// Sends `request` and reads the short answer to a put or delete.
    private func send(_ request: HTTPClientRequest, piece: String, base: String, limit: Int) async throws {
        let response = try await answer(request, piece: piece, base: base)
        do {
            _ = try await response.body.collect(upTo: limit)
        } catch {
            throw PieceTransferError(host: base, piece: piece, status: nil, reason: "\(error)")
        }
    }

    /// The host's answer to `request` once it is a success; a refusal throws with the host's reason.
    private func answer(_ request: HTTPClientRequest, piece: String, base: String) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw PieceTransferError(host: base, piece: piece, status: nil, reason: "\(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try? await response.body.collect(upTo: 1 << 16)
            let reason = body.flatMap { try? JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: $0)) }?.error ?? "\(response.status)"
            throw PieceTransferError(host: base, piece: piece, status: Int(response.status.code), reason: reason)
        }
        return response
    }

    static func url(_ base: String, _ piece: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/pieces/" + piece
    }
}

/// A piece that could not be moved to or from a host.
public struct PieceTransferError: Error, CustomStringConvertible, Equatable {
    public let host: String
    public let piece: String
    /// The host's HTTP status, nil when it did not answer.
    public let status: Int?
    public let reason: String
    /// The host answered with more bytes than the piece can have.
    public let tooLarge: Bool

    init(host: String, piece: String, status: Int?, reason: String, tooLarge: Bool = false) {
        self.host = host
        self.piece = piece
        self.status = status
        self.reason = reason
        self.tooLarge = tooLarge
    }

    public var description: String {
        "piece \(piece) on \(host): " + (status.map { "\($0) \(reason)" } ?? "no answer (\(reason))")
    }
}
