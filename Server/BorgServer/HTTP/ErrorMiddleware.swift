import BorgStore
import Hummingbird
import Logging

/// Turns every error a route throws into a JSON error body, so clients always get `{"error": …}`.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as StoreError {
            throw APIError(error)
        } catch let error as StoreUnavailable {
            throw APIError(.serviceUnavailable, error.description)
        } catch let error as BlobError {
            throw APIError.badRequest(error.description)
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? defaultReason(error.status, request))
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, defaultReason(error.status, request))
        } catch {
            context.logger.error("internal error on \(request.method) \(request.uri.path): \(error)")
            throw APIError(.internalServerError, "internal error: \(error)")
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
