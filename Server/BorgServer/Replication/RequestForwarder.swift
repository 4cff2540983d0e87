import AsyncHTTPClient
import BorgAPIClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// Sends a request this coordinator received on to the leading coordinator and answers with its reply,
/// status, body and content type unchanged. The forwarded request carries ``header`` (this coordinator's
/// URL) so that the receiver never forwards it again.
struct RequestForwarder: Sendable {
    /// Marks a request a coordinator forwarded; its value is the forwarding coordinator's URL.
    static let header = "Borg-Forwarded-By"

    let http: HTTPClient
    /// Largest JSON request body forwarded.
    let jsonLimit: Int
    /// Largest blob upload forwarded.
    let blobLimit: Int
    let timeout: TimeAmount

    init(http: HTTPClient = CoordinatorClient.sharedHTTP, jsonLimit: Int, blobLimit: Int, timeout: TimeAmount = .seconds(60)) {
        self.http = http
        self.jsonLimit = jsonLimit
        self.blobLimit = blobLimit
        self.timeout = timeout
    }

    /// The most a follower reads of `request`'s body: its route's limit.
    func bodyLimit(for request: Request) -> Int {
        request.uri.path.contains("/blobs/") ? blobLimit : jsonLimit
    }

    /// Whether `request` was forwarded by another coordinator.
    static func wasForwarded(_ request: Request) -> Bool {
        request.headers.contains { $0.name.canonicalName == header.lowercased() }
    }

    /// Reads the whole body into `request` (so it can be forwarded, and still be handled here afterwards).
    func collectBody(of request: inout Request) async throws {
        let limit = bodyLimit(for: request)
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw RequestError.tooLarge("request body is larger than \(limit) bytes")
        }
    }

    /// Forwards `request`, whose body was collected, to the coordinator whose API is at `leader`, reached at
    /// `link` (over the cluster link), with `idempotencyKey` when it carries none; throws ``ForwardingFailure``
    /// (naming `leader`) when the coordinator does not answer.
    func forward(_ request: Request, to leader: String, via link: String, from own: String, idempotencyKey: String)
        async throws -> Response
    {
        var outgoing = HTTPClientRequest(url: link + request.uri.string)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.notForwarded.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.add(name: Self.header, value: own)
        if request.headers[IdempotencyKey.header] == nil { outgoing.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        outgoing.body = .bytes(try await request.body.collect(upTo: bodyLimit(for: request)))
        do {
            let reply = try await http.execute(outgoing, timeout: timeout)
            let bytes = try await reply.body.collect(upTo: 1 << 30)
            var headers = HTTPFields()
            for (name, value) in reply.headers where !Self.notForwarded.contains(name.lowercased()) {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
            return Response(status: HTTPResponse.Status(code: Int(reply.status.code)), headers: headers,
                            body: ResponseBody(byteBuffer: bytes))
        } catch {
            throw ForwardingFailure(leader: leader, reason: "\(error)")
        }
    }

    /// Hop-by-hop and framing headers, which each connection sets for itself.
    private static let notForwarded: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "content-length", "host", "te", "upgrade", "proxy-connection",
    ]
}

/// The leading coordinator did not answer a forwarded request.
struct ForwardingFailure: Error, CustomStringConvertible {
    let leader: String
    let reason: String
    var description: String { "the leading coordinator \(leader) does not answer (\(reason))" }
}
