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

    func addRoutes(to router: Router<CoordinatorContext>) {
        router.post("/v1/projects") { request, _ in try await createProject(request) }
        router.get("/v1/projects") { request, _ in
            _ = try await auth.scope(request)
            let projects = try await store.read { q in try q.projects() }
            return try JSONResponse.make(projects.map(Self.info))
        }
        router.get("/v1/projects/:name") { request, context in
            _ = try await auth.scope(request)
            return try JSONResponse.make(Self.info(try await project(named: try context.parameters.require("name"))))
        }
        router.post("/v1/projects/:name/keys") { request, context in
            try await auth.requireAdmin(request)
            let project = try await project(named: try context.parameters.require("name"))
            let now = engine.clock()
            let idempotency = try IdempotencyKey.of(request).map { "key/\(project.id)/\($0)" }
            let requester = Authenticator.bearer(request)
            let key = try await store.write { q in
                try q.once(key: idempotency, now: now, sealedWith: requester) { try q.createAPIKey(projectID: project.id, now: now) }
            }
            return try JSONResponse.make(SubmitterKeyResponse(project: project.name, apiKey: key), status: .created)
        }
        router.post("/v1/donors") { request, _ in
            try await auth.requireAdmin(request)
            let body = try await JSONResponse.decode(CreateDonorRequest.self, from: request, limit: 64 << 10)
            let now = engine.clock()
            let key = try IdempotencyKey.of(request).map { "donor/\($0)" }
            let requester = Authenticator.bearer(request)
            let created = try await store.write { q in
                try q.once(key: key, now: now, sealedWith: requester) {
                    let (donor, token) = try q.createDonor(name: body.name, email: body.email ?? "", now: now)
                    return CreateDonorResponse(donorID: donor.id, name: donor.name, enrollmentToken: token)
                }
            }
            return try JSONResponse.make(created, status: .created)
        }
        router.post("/v1/batches") { request, _ in
            let body = try await JSONResponse.decode(CreateBatchRequest.self, from: request, limit: batchBodyLimit)
            let project = try await project(named: body.project)
            try await auth.require(request, project: project)
            let key = try IdempotencyKey.of(request)
            await replication.fetchMissing(blobs: body.workUnits.flatMap { $0.inputs.map(\.sha256) })
            return try JSONResponse.make(try await engine.createBatch(body, project: project, idempotencyKey: key),
                                         status: .created)
        }
        router.get("/v1/batches/:id") { request, context in
            let batch = try await authorizedBatch(request, context)
            let status = try await store.read { q in try engine.status(of: batch, q) }
            return try JSONResponse.make(status)
        }
        router.get("/v1/batches/:id/results") { request, context in
            let batch = try await authorizedBatch(request, context)
            let (status, outcomes) = try await store.read { q in
                (try engine.status(of: batch, q), try q.workUnitOutcomes(batch: batch.id))
            }
            if batch.purgedAt != nil || outcomes.count < batch.workUnits {
                throw EngineError.purged("batch \(batch.id)'s work units and outputs were purged after \(batch.collectedAt == nil ? "it grew old" : "its results were collected"); its counts remain at GET /v1/batches/\(batch.id)")
            }
            return try JSONResponse.make(BatchResults(batch: status, workUnits: outcomes.map {
                WorkUnitResult(workUnitID: $0.id, name: $0.name, status: $0.status, outputs: $0.outputs,
                    agreeingHosts: $0.agreeingHosts, agreeingDonors: $0.agreeingDonors, errorReason: $0.errorReason)
            }))
        }
        router.post("/v1/batches/:id/collected") { request, context in
            let batch = try await authorizedBatch(request, context)
            try await engine.markCollected(batch)
            let status = try await store.read { q in try engine.status(of: try q.batch(batch.id) ?? batch, q) }
            return try JSONResponse.make(status)
        }
        router.post("/v1/batches/:id/cancel") { request, context in
            let batch = try await authorizedBatch(request, context)
            try await engine.cancelBatch(batch.id)
            let status = try await store.read { q in try engine.status(of: try q.batch(batch.id) ?? batch, q) }
            return try JSONResponse.make(status)
        }
    }

    /// Creates a project (or updates it: description, policy, app versions) from app files already uploaded.
    private func createProject(_ request: Request) async throws -> Response {
        try await auth.requireAdmin(request)
        let body = try await JSONResponse.decode(CreateProjectRequest.self, from: request, limit: 1 << 20)
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
        return try JSONResponse.make(Self.info(project), status: .created)
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
