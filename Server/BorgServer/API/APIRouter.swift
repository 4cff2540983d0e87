import Hummingbird

/// Registers the coordinator's operations on Hummingbird's router and keeps their descriptions, from which
/// `/v1/openapi.json` is built (``OpenAPIDocument``): an operation is in the document exactly when it is
/// routed, with the body and reply types its handler decodes and returns. Used while the server is built.
final class APIRouter {
    let router: Router<CoordinatorContext>
    private(set) var operations: [APIOperation] = []

    init(router: Router<CoordinatorContext>) {
        self.router = router
    }

    /// Routes `operation` to `handler`, after refusing a request without the credential it needs (401).
    func add(_ operation: APIOperation,
             _ handler: @escaping @Sendable (Request, CoordinatorContext) async throws -> Response) {
        operations.append(operation)
        let access = operation.access
        router.on(RouterPath(operation.routerPath), method: operation.method) { request, context in
            try access.requireCredential(in: request)
            return try await handler(request, context)
        }
    }
}
