import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// What scientists and the grid's operator do: projects, submitter keys, donors, batches.
struct SubmitterRoutes {
    let engine: LifecycleEngine
    let auth: Authenticator
    let replication: any Replication
    /// Largest batch request body.
    let batchBodyLimit: Int

    var store: Store { engine.store }

    func addRoutes(to api: APIRouter) {
        api.on(.post, "/v1/projects", "Create a project, or update its description, policy and app versions",
               access: .admin, authorize: { request, _ in try await auth.requireAdmin(request) },
               body: CreateProjectRequest.self, limit: 1 << 20, status: .created, idempotent: true) {
            request, _, _, body in try await createProject(request, body)
        }
        api.on(.get, "/v1/projects", "List the projects", access: .apiKey) { request, _ in
            _ = try await auth.scope(request)
            let projects = try await store.read { q in try q.projects() }
            return projects.map(Self.info)
        }
        api.on(.get, "/v1/projects/{name}", "One project", access: .apiKey) { request, context in
            _ = try await auth.scope(request)
            return Self.info(try await project(named: try context.parameters.require("name")))
        }
        api.on(.post, "/v1/projects/{name}/keys", "Make a submitter key for the project (shown once)", access: .admin,
               status: .created, idempotent: true) { request, context in
            try await auth.requireAdmin(request)
            let project = try await project(named: try context.parameters.require("name"))
            let now = engine.clock()
            let idempotency = try IdempotencyKey.of(request).map { "key/\(project.id)/\($0)" }
            let requester = Authenticator.bearer(request)
            let key = try await store.write { q in
                try q.once(key: idempotency, now: now, sealedWith: requester) { try q.createAPIKey(projectID: project.id, now: now) }
            }
            return SubmitterKeyResponse(project: project.name, apiKey: key)
        }
        api.on(.post, "/v1/donors", "Add a donor; its enrollment token is shown once", access: .admin,
               authorize: { request, _ in try await auth.requireAdmin(request) }, body: CreateDonorRequest.self,
               limit: 64 << 10, status: .created, idempotent: true) { request, _, _, body in
            let now = engine.clock()
            let key = try IdempotencyKey.of(request).map { "donor/\($0)" }
            let requester = Authenticator.bearer(request)
            return try await store.write { q in
                try q.once(key: key, now: now, sealedWith: requester) {
                    let (donor, token) = try q.createDonor(name: body.name, email: body.email ?? "", now: now)
                    return CreateDonorResponse(donorID: donor.id, name: donor.name, enrollmentToken: token)
                }
            }
        }
        api.on(.post, "/v1/batches", "Submit a batch of work units to a project", access: .apiKey,
               body: CreateBatchRequest.self, limit: batchBodyLimit, status: .created, idempotent: true) { request, _, body in
            let project = try await project(named: body.project)
            try await auth.require(request, project: project)
            let key = try IdempotencyKey.of(request)
            await replication.fetchMissing(blobs: body.workUnits.flatMap { $0.inputs.map(\.sha256) })
            return try await engine.createBatch(body, project: project, idempotencyKey: key)
        }
        api.on(.get, "/v1/batches/{id}", "A batch's progress", access: .apiKey) { request, context in
            let batch = try await authorizedBatch(request, context)
            return try await store.read { q in try engine.status(of: batch, q) }
        }
        api.on(.get, "/v1/batches/{id}/results", "A batch's canonical outputs, per work unit", access: .apiKey,
               errors: [.gone]) { request, context in
            let batch = try await authorizedBatch(request, context)
            let (status, outcomes) = try await store.read { q in
                (try engine.status(of: batch, q), try q.workUnitOutcomes(batch: batch.id))
            }
            if batch.purgedAt != nil || outcomes.count < batch.workUnits {
                throw EngineError.purged("batch \(batch.id)'s work units and outputs were purged after \(batch.collectedAt == nil ? "it grew old" : "its results were collected"); its counts remain at GET /v1/batches/\(batch.id)")
            }
            return BatchResults(batch: status, workUnits: outcomes.map {
                WorkUnitResult(workUnitID: $0.id, name: $0.name, status: $0.status, outputs: $0.outputs,
                    agreeingHosts: $0.agreeingHosts, agreeingDonors: $0.agreeingDonors, errorReason: $0.errorReason)
            })
        }
        api.on(.post, "/v1/batches/{id}/collected", "Mark a batch's results collected, so they may be purged",
               access: .apiKey) { request, context in
            let batch = try await authorizedBatch(request, context)
            try await engine.markCollected(batch)
            return try await store.read { q in try engine.status(of: try q.batch(batch.id) ?? batch, q) }
        }
        api.on(.post, "/v1/batches/{id}/cancel", "Cancel a batch: its unsent tasks are dropped, running ones stopped",
               access: .apiKey) { request, context in
            let batch = try await authorizedBatch(request, context)
            try await engine.cancelBatch(batch.id)
            return try await store.read { q in try engine.status(of: try q.batch(batch.id) ?? batch, q) }
        }
    }

    /// Creates a project (or updates it: description, policy, app versions) from app files already uploaded.
    private func createProject(_ request: Request, _ body: CreateProjectRequest) async throws -> ProjectInfo {
        guard Naming.isValid(body.name) else { throw RequestError.malformed("project name '\(body.name.prefix(80))' \(Naming.rule)") }
        do { try body.policy.validate() } catch { throw RequestError.malformed("invalid policy: \(error.reason)") }
        await replication.fetchMissing(blobs: body.appVersions.map(\.sha256))
        for app in body.appVersions {
            guard Naming.isValid(app.platform) else { throw RequestError.malformed("platform '\(app.platform)' \(Naming.rule)") }
            guard try await store.hasBlob(app.sha256) else {
                throw RequestError.malformed("app for \(app.platform) is not uploaded; PUT /v1/blobs/\(app.sha256) first")
            }
        }
        let now = engine.clock()
        let key = try IdempotencyKey.of(request).map { "project/\($0)" }
        let id = try await store.write { q in
            try q.once(key: key, now: now) {
                try q.saveProject(name: body.name, description: body.description, policy: body.policy, publicKey: body.publicKey,
                    appVersions: body.appVersions.map {
                        AppVersionRecord(platform: $0.platform, sha256: $0.sha256, size: $0.size, signature: $0.signature)
                    }, now: now)
            }
        }
        try await engine.reload()
        guard let project = try await store.read({ q in try q.project(id: id) }) else {
            throw EngineError.unknown("project \(id) does not exist")
        }
        return Self.info(project)
    }

    private func project(named name: String) async throws -> ProjectRecord {
        guard let project = try await store.read({ q in try q.project(name: name) }) else {
            throw EngineError.unknown("no project named '\(name.prefix(80))'; create it with 'borg-submit project create'")
        }
        return project
    }

    static func info(_ project: ProjectRecord) -> ProjectInfo {
        ProjectInfo(id: project.id, name: project.name, description: project.description, policy: project.policy,
            appVersions: project.appVersions.map {
                AppVersionSpec(platform: $0.platform, sha256: $0.sha256, size: $0.size, signature: $0.signature)
            }, publicKey: project.publicKey)
    }

    /// The batch in the path, if the request's key may see it.
    private func authorizedBatch(_ request: Request, _ context: CoordinatorContext) async throws -> BatchRecord {
        let id = try context.parameters.require("id", as: BatchID.self)
        let scope = try await auth.scope(request)
        guard let batch = try await store.read({ q in try q.batch(id) }) else {
            throw EngineError.unknown("no batch \(id)")
        }
        if case .project(let project) = scope, project != batch.projectID {
            throw AccessError.denied("this API key is not for project '\(batch.projectName)'")
        }
        return batch
    }
}
