import BorgEngine
import Foundation
import Hummingbird

/// Sends every request that changes state to the coordinator whose node leads (over the cluster link:
/// encrypted and mutually authenticated), so that one
/// group-commit writer merges the whole grid's writes as a lone coordinator's does; reads are answered
/// here. Coordinator-to-coordinator routes (`/v1/cluster/…`) are always answered here; a lone
/// coordinator handles everything itself.
///
/// While no leader answers (an election, a restarted coordinator not yet announced) the request waits,
/// retrying every ``retryPause``, for up to the replication's write patience, as a write to the store would wait for a
/// quorum; then it is answered 503 with the reason, and the client tries another coordinator.
///
/// A follower checks the request's credential before it reads a body to forward (so an unauthenticated
/// client cannot make it buffer anything), reads at most the route's body limit, and gives a write without
/// an `Idempotency-Key` one of its own, so that its own retries through a new leader never repeat it.
struct LeaderForwardingMiddleware<Context: RequestContext>: RouterMiddleware {
    let replication: any Replication
    let forwarder: RequestForwarder
    let auth: Authenticator
    static var retryPause: Duration { .milliseconds(100) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.changesState(request) else { return try await next(request, context) }
        var request = request
        var collected = false
        let key = try IdempotencyKey.of(request) ?? UUID().uuidString
        let giveUp = ContinuousClock.now + .milliseconds(Int(replication.writePatience * 1000))
        while true {
            let reason: String
            switch await replication.writeRoute() {
            case .here:
                return try await next(request, context)
            case .leader(let url) where !RequestForwarder.wasForwarded(request):
                if !collected {
                    try await auth.precheck(request)
                    try await forwarder.collectBody(of: &request)
                    collected = true
                }
                do {
                    let link: String
                    do { link = try replication.link(to: url) } catch { throw ForwardingFailure(leader: url, reason: "\(error)") }
                    return try await forwarder.forward(request, to: url, via: link, from: replication.ownURL ?? "",
                                                       idempotencyKey: key)
                } catch let failure as ForwardingFailure {
                    replication.leaderDidNotAnswer()
                    reason = failure.description
                }
            case .leader(let url):
                // Forwarded here by a coordinator that thinks this one leads: leadership is moving.
                reason = "leadership is moving (this coordinator sees \(url) lead)"
            case .unavailable(let why):
                reason = why
            }
            guard ContinuousClock.now + Self.retryPause < giveUp else {
                throw EngineError.unavailable("no quorum reachable right now: \(reason); retry shortly")
            }
            try await Task.sleep(for: Self.retryPause)
        }
    }

    /// Requests that write to the store: everything but GET and HEAD, outside the cluster routes.
    static func changesState(_ request: Request) -> Bool {
        guard request.method != .get && request.method != .head else { return false }
        let path = request.uri.path
        return path.hasPrefix("/v1/") && !path.hasPrefix("/v1/cluster")
    }
}
