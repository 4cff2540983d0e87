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
    /// Largest request body forwarded (the larger of the JSON and blob limits).
    let bodyLimit: Int
    let timeout: TimeAmount

    init(http: HTTPClient = CoordinatorClient.sharedHTTP, bodyLimit: Int, timeout: TimeAmount = .seconds(60)) {
        self.http = http
        self.bodyLimit = bodyLimit
        self.timeout = timeout
    }

    /// Whether `request` was forwarded by another coordinator.
    static func wasForwarded(_ request: Request) -> Bool {
        request.headers.contains { $0.name.canonicalName == header.lowercased() }
    }

    /// Reads the whole body into `request` (so it can be forwarded, and still be handled here afterwards).
    func collectBody(of request: inout Request) async throws {
        do {
            _ = try await request.collectBody(upTo: bodyLimit)
        } catch is NIOTooManyBytesError {
            throw RequestError.tooLarge("request body is larger than \(bodyLimit) bytes")
        }
    }

    /// Forwards `request`, whose body was collected, to the coordinator at `base`; throws
    /// ``ForwardingFailure`` when it does not answer.
    func forward(_ request: Request, to base: String, from own: String) async throws -> Response {
        var outgoing = HTTPClientRequest(url: base + request.uri.string)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.notForwarded.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.add(name: Self.header, value: own)
        outgoing.body = .bytes(try await request.body.collect(upTo: bodyLimit))
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
            throw ForwardingFailure(leader: base, reason: "\(error)")
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
