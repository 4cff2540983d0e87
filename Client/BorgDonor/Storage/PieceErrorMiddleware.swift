import Hummingbird

/// Turns every error of the piece routes into a ``PieceHTTPError``, so each answer has a JSON body.
struct PieceErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// HTTP 507, which `HTTPResponse.Status` does not name.
    static var insufficientStorage: HTTPResponse.Status { HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as PieceHTTPError {
            throw error
        } catch let error as PieceStoreError {
            throw PieceHTTPError(Self.status(of: error), error.description)
        } catch let error as any HTTPResponseError {
            throw PieceHTTPError(error.status, Self.reason(error.status, request))
        } catch {
            context.logger.error("internal error on \(request.method) \(request.uri.path): \(error)")
            throw PieceHTTPError(.internalServerError, "internal error: \(error)")
        }
    }

    static func status(of error: PieceStoreError) -> HTTPResponse.Status {
        switch error {
        case .notFound: return .notFound
        case .mismatch, .invalid: return .badRequest
        case .conflict: return .conflict
        case .full, .diskNearlyFull: return insufficientStorage
        case .leaving: return .serviceUnavailable
        case .refused, .io: return .internalServerError
        }
    }

    static func reason(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound:
            return "no route \(request.method) \(request.uri.path); pieces are at /v1/pieces/<piece>, the host's state at /v1/health"
        default: return status.reasonPhrase
        }
    }
}
