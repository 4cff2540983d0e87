import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// `/v1/hosts/…`: what a donor's machine does: enroll, ask for work, report, heartbeat, give tasks back.
struct HostRoutes {
    let engine: LifecycleEngine
    let auth: Authenticator
    let blobs: BlobService
    let replication: any Replication
    /// Largest report request body.
    let reportBodyLimit: Int

    var store: Store { engine.store }

    func addRoutes(to api: APIRouter) {
        api.on(.post, "/v1/hosts/enroll", "Enroll a host with a donor's token; its secret is shown once", access: .anyone,
               body: EnrollRequest.self, limit: 64 << 10, status: .created, idempotent: true, errors: [.forbidden]) {
            request, _, body in try await enroll(request, body)
        }
        api.on(.post, "/v1/hosts/{host}/work", "Ask for up to maxTasks tasks; also lists cancelled tasks", access: .host,
               authorize: host, body: WorkRequest.self, limit: 64 << 10) { _, _, host, body in
            try await replication.refreshQueueIfStale()
            let (tasks, cancelled) = try await engine.dispatch(
                host: host, maxTasks: body.maxTasks, platforms: body.platforms ?? host.platforms, held: body.heldTasks)
            return WorkResponse(
                tasks: tasks, cancelledTasks: cancelled, retryAfterSeconds: tasks.isEmpty ? 5 : nil,
                coordinators: replication.coordinators, serverTime: engine.clock())
        }
        api.on(.post, "/v1/hosts/{host}/reports", "Report finished tasks: all are applied or none", access: .host,
               authorize: host, body: ReportRequest.self, limit: reportBodyLimit) { _, _, host, body in
            var inline = try LifecycleEngine.checkForm(of: body.reports)
            // Large outputs that came inline are stored as files first (and copied to a peer in a grid);
            // small ones are written with the reports.
            for (sha, data) in inline where data.count > Store.smallBlobLimit {
                try await blobs.put(data, sha: sha)
                inline[sha] = nil
            }
            let receipt = try await engine.report(host: host, reports: body.reports, inline: inline)
            return ReportResponse(accepted: receipt.accepted, cancelledTasks: receipt.cancelled, coordinators: replication.coordinators)
        }
        api.on(.post, "/v1/hosts/{host}/heartbeat", "Say the host is alive; lists tasks to stop", access: .host,
               authorize: host, body: HeartbeatRequest.self, limit: 1 << 20) { _, _, host, _ in
            let cancelled = try await engine.heartbeat(host: host)
            return HeartbeatResponse(cancelledTasks: cancelled, coordinators: replication.coordinators)
        }
        api.on(.post, "/v1/hosts/{host}/abandon", "Give tasks back (all when tasks is absent); leaving ends the host (409 while piecesHandedOver and it still holds pieces of stored files)",
               access: .host, authorize: host, body: AbandonRequest.self, limit: 1 << 20) { _, _, host, body in
            let abandoned = try await engine.abandon(
                host: host, tasks: body.tasks, leaving: body.leaving, unlessHoldingPieces: body.piecesHandedOver ?? false)
            if body.leaving { auth.forget(host: host.id) }
            return AbandonResponse(abandoned: abandoned)
        }
    }

    /// The host named in the path, if the request carries its secret.
    private func host(_ request: Request, _ context: CoordinatorContext) async throws -> HostRecord {
        try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
    }

    /// A donor's token enrolls a new host; its secret is shown once.
    private func enroll(_ request: Request, _ body: EnrollRequest) async throws -> EnrollResponse {
        guard (1...4096).contains(body.cores) else { throw RequestError.malformed("cores must be between 1 and 4096") }
        guard !body.platforms.isEmpty, body.platforms.allSatisfy(Naming.isValid) else {
            throw RequestError.malformed("platforms must list at least one runtime, e.g. [\"wasm\"]")
        }
        guard (1...200).contains(body.name.unicodeScalars.count) else { throw RequestError.malformed("host name must be 1 to 200 characters") }
        let now = engine.clock()
        let key = try IdempotencyKey.of(request).map { "enroll/\(Secret.hash(body.token))/\($0)" }
        var enrolled = try await store.write { q in
            try q.once(key: key, now: now, sealedWith: body.token) {
                guard let donor = try q.donor(token: body.token) else {
                    throw AccessError.denied("unknown enrollment token; ask the grid operator for your donor token")
                }
                let (id, secret) = try q.enrollHost(donor: donor, name: body.name, cores: body.cores,
                    platforms: body.platforms, now: now)
                return EnrollResponse(hostID: id, donorID: donor.id, donorName: donor.name, hostSecret: secret, coordinators: [])
            }
        }
        enrolled.coordinators = replication.coordinators
        return enrolled
    }
}
