import BorgProtocol
import Hummingbird

/// The JSON answer to a failed request, `{"error": "<reason>", "status": <code>}`. Built only by
/// ``ErrorMiddleware``, which chooses the status.
struct APIError: HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let reason: String

    init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    var description: String { "\(status.code) \(reason)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(APIErrorBody(error: reason, status: status.code), status: status)
    }
}
