import BorgEngine
import BorgStore
import Hummingbird
import Logging

/// The one place where errors become HTTP: every error a route, the engine or the store throws is
/// answered as a JSON body with the status chosen here.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw Self.answer(to: error, request: request, logger: context.logger)
        }
    }

    /// The status and reason `error` is answered with (the dashboard shows the same on an HTML page).
    static func answer(to error: any Error, request: Request, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as EngineError:
            return APIError(status(of: error), error.description)
        case RequestError.malformed(let reason):
            return APIError(.badRequest, reason)
        case RequestError.tooLarge(let reason):
            return APIError(.contentTooLarge, reason)
        case AccessError.missingCredential(let reason):
            return APIError(.unauthorized, reason)
        case AccessError.denied(let reason):
            return APIError(.forbidden, reason)
        case let error as StoreError:
            return APIError(error.kind == .conflict ? .conflict : .badRequest, error.reason)
        case let error as StoreUnavailable:
            return APIError(.serviceUnavailable, error.description)
        case let error as BlobError:
            return APIError(.badRequest, error.description)
        case let error as HTTPError:
            return APIError(error.status, error.body ?? defaultReason(error.status, request))
        case let error as any HTTPResponseError:
            return APIError(error.status, defaultReason(error.status, request))
        default:
            logger.error("internal error on \(request.method) \(request.uri.path): \(error)")
            return APIError(.internalServerError, "internal error: \(error)")
        }
    }

    static func status(of error: EngineError) -> HTTPResponse.Status {
        switch error {
        case .unknown: return .notFound
        case .notYours: return .forbidden
        case .wrongState: return .conflict
        case .invalid: return .badRequest
        case .tooLarge: return .contentTooLarge
        case .unavailable: return .serviceUnavailable
        case .purged: return .gone
        }
    }

    static func defaultReason(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound: return "no route \(request.method) \(request.uri.path); see /v1/openapi.json"
        case .contentTooLarge: return "request body too large"
        default: return status.reasonPhrase
        }
    }
}
