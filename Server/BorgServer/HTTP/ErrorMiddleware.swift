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
        } catch let error as APIError {
            throw error
        } catch let error as EngineError {
            throw APIError(Self.status(of: error), error.description)
        } catch let error as RequestError {
            switch error {
            case .malformed(let reason): throw APIError(.badRequest, reason)
            case .tooLarge(let reason): throw APIError(.contentTooLarge, reason)
            }
        } catch let error as AccessError {
            switch error {
            case .missingCredential(let reason): throw APIError(.unauthorized, reason)
            case .denied(let reason): throw APIError(.forbidden, reason)
            }
        } catch let error as StoreError {
            switch error.kind {
            case .conflict: throw APIError(.conflict, error.reason)
            case .invalid: throw APIError(.badRequest, error.reason)
            }
        } catch let error as StoreUnavailable {
            throw APIError(.serviceUnavailable, error.description)
        } catch let error as BlobError {
            throw APIError(.badRequest, error.description)
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? defaultReason(error.status, request))
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, defaultReason(error.status, request))
        } catch {
            context.logger.error("internal error on \(request.method) \(request.uri.path): \(error)")
            throw APIError(.internalServerError, "internal error: \(error)")
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

    func defaultReason(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound: return "no route \(request.method) \(request.uri.path); see /v1/openapi.json"
        case .contentTooLarge: return "request body too large"
        default: return status.reasonPhrase
        }
    }
}
