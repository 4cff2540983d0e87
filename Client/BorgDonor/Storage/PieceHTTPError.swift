import BorgProtocol
import Foundation
import Hummingbird

/// An answer of the piece server that is not a success, sent as `{"error": "...", "status": N}` (the shape
/// of the coordinator's errors) with a message that says what to do.
struct PieceHTTPError: HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let reason: String

    init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    var description: String { "\(status.code) \(reason)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try PieceServer.json(APIErrorBody(error: reason, status: status.code), status: status)
    }
}
