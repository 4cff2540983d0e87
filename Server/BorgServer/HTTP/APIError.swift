import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// An error answered as JSON: `{"error": "<reason>", "status": <code>}`.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let reason: String

    public init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status.code) \(reason)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(APIErrorBody(error: reason, status: status.code), status: status)
    }

    static func badRequest(_ reason: String) -> APIError { APIError(.badRequest, reason) }
    static func unauthorized(_ reason: String) -> APIError { APIError(.unauthorized, reason) }
    static func forbidden(_ reason: String) -> APIError { APIError(.forbidden, reason) }
    static func notFound(_ reason: String) -> APIError { APIError(.notFound, reason) }
    static func conflict(_ reason: String) -> APIError { APIError(.conflict, reason) }

    /// The API's answer to a store refusal.
    init(_ error: StoreError) {
        switch error.kind {
        case .notFound: self.init(.notFound, error.reason)
        case .conflict: self.init(.conflict, error.reason)
        case .invalid: self.init(.badRequest, error.reason)
        case .forbidden: self.init(.forbidden, error.reason)
        }
    }
}
