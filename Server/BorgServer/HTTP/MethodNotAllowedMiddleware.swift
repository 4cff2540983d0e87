import BorgProtocol
import Hummingbird

/// Answers 405 with an `Allow` header when the path is an operation's but the method is not (the router
/// alone would answer 404).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = CoordinatorContext
    let operations: [APIOperation]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path[...]
            let allowed = operations.filter { $0.matches(path: path) }.map(\.method.rawValue)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var response = try JSONResponse.make(APIErrorBody(
                error: "\(request.method) is not allowed on \(request.uri.path); use \(allowed.joined(separator: " or "))",
                status: HTTPResponse.Status.methodNotAllowed.code), status: .methodNotAllowed)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }
}
