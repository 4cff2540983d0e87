import BorgEngine
import Hummingbird

/// Records each request's latency in ``CoordinatorMetrics``.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: CoordinatorMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        defer { metrics.requestLatency.record(ContinuousClock.now - start) }
        return try await next(request, context)
    }
}
