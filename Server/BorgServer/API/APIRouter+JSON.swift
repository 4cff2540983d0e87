import Hummingbird

/// Operations that answer JSON: the reply's type is the handler's return type, the request body's type
/// the one it is decoded as, so the document cannot say otherwise.
extension APIRouter {
    /// An operation without a request body.
    func on<Reply: Codable & Sendable>(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String, access: APIAccess,
        status: HTTPResponse.Status = .ok, query: [String: JSONSchema] = [:], idempotent: Bool = false,
        errors: [HTTPResponse.Status] = [],
        _ handler: @escaping @Sendable (Request, CoordinatorContext) async throws -> Reply
    ) {
        add(APIOperation(method: method, path: path, summary: summary, access: access,
                         reply: .json { try $0.schema(of: Reply.self) }, status: status, query: query,
                         idempotent: idempotent, errors: errors)) { request, context in
            try JSONResponse.make(try await handler(request, context), status: status)
        }
    }

    /// An operation whose request body is JSON of type `Body`, at most `limit` bytes, read after `authorize`
    /// accepted the caller (so a stranger's body is never parsed); the handler gets what `authorize` returned.
    func on<Caller: Sendable, Body: Decodable & Sendable, Reply: Codable & Sendable>(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String, access: APIAccess,
        authorize: @escaping @Sendable (Request, CoordinatorContext) async throws -> Caller,
        body: Body.Type, limit: Int, status: HTTPResponse.Status = .ok, idempotent: Bool = false,
        errors: [HTTPResponse.Status] = [],
        _ handler: @escaping @Sendable (Request, CoordinatorContext, Caller, Body) async throws -> Reply
    ) {
        add(APIOperation(method: method, path: path, summary: summary, access: access,
                         body: .json { try $0.schema(of: Body.self) }, reply: .json { try $0.schema(of: Reply.self) },
                         status: status, idempotent: idempotent, errors: errors)) { request, context in
            let caller = try await authorize(request, context)
            let body = try await JSONResponse.decode(Body.self, from: request, limit: limit)
            return try JSONResponse.make(try await handler(request, context, caller, body), status: status)
        }
    }

    /// An operation whose request body is JSON of type `Body`, read before the handler checks the caller
    /// (the body says who it is: an enrollment token, a batch's project).
    func on<Body: Decodable & Sendable, Reply: Codable & Sendable>(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String, access: APIAccess,
        body: Body.Type, limit: Int, status: HTTPResponse.Status = .ok, idempotent: Bool = false,
        errors: [HTTPResponse.Status] = [],
        _ handler: @escaping @Sendable (Request, CoordinatorContext, Body) async throws -> Reply
    ) {
        on(method, path, summary, access: access, authorize: { _, _ in () }, body: body, limit: limit, status: status,
           idempotent: idempotent, errors: errors) { request, context, _, body in try await handler(request, context, body) }
    }
}
