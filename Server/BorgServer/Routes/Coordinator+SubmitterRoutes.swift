import BorgCore
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

extension Coordinator {
    func addSubmitterRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/projects") { request, _ in
            try await self.auth.requireAdmin(request)
            let body = try await JSONResponse.decode(CreateProjectRequest.self, from: request, limit: 1 << 20)
            guard Naming.isValid(body.name) else { throw APIError.badRequest("project name '\(body.name.prefix(80))' \(Naming.rule)") }
            do { try body.policy.validate() } catch let error as PolicyError { throw APIError.badRequest("invalid policy: \(error.reason)") }
            await self.fetchMissingBlobs(body.appVersions.map(\.sha256))
            for app in body.appVersions {
                guard Naming.isValid(app.platform) else { throw APIError.badRequest("platform '\(app.platform)' \(Naming.rule)") }
                guard try await self.store.hasBlob(app.sha256) else {
                    throw APIError.badRequest("app for \(app.platform) is not uploaded; PUT /v1/blobs/\(app.sha256) first")
                }
            }
            let now = self.engine.clock()
            let key = try Self.idempotencyKey(request).map { "project/\($0)" }
            let id = try await self.store.write { q in
                try q.once(key: key, now: now) {
                    try q.saveProject(name: body.name, description: body.description, policy: body.policy, publicKey: body.publicKey,
                        appVersions: body.appVersions.map {
                            AppVersionRecord(platform: $0.platform, sha256: $0.sha256, size: $0.size, signature: $0.signature)
                        }, now: now)
                }
            }
            try await self.engine.reload()
            return try JSONResponse.make(try await self.projectInfo(id), status: .created)
        }
        router.get("/v1/projects") { request, _ in
            _ = try await self.auth.scope(request)
            let projects = try await self.store.read { q in try q.projects() }
            return try JSONResponse.make(projects.map(Self.info))
        }
        router.get("/v1/projects/:name") { request, context in
            _ = try await self.auth.scope(request)
            return try JSONResponse.make(Self.info(try await self.project(named: try context.parameters.require("name"))))
        }
        router.post("/v1/projects/:name/keys") { request, context in
            try await self.auth.requireAdmin(request)
            let project = try await self.project(named: try context.parameters.require("name"))
            let now = self.engine.clock()
            let idempotency = try Self.idempotencyKey(request).map { "key/\(project.id)/\($0)" }
            let key = try await self.store.write { q in
                try q.once(key: idempotency, now: now) { try q.createAPIKey(projectID: project.id, now: now) }
            }
            return try JSONResponse.make(SubmitterKeyResponse(project: project.name, apiKey: key), status: .created)
        }
        router.post("/v1/donors") { request, _ in
            try await self.auth.requireAdmin(request)
            let body = try await JSONResponse.decode(CreateDonorRequest.self, from: request, limit: 64 << 10)
            let now = self.engine.clock()
            let key = try Self.idempotencyKey(request).map { "donor/\($0)" }
            let created = try await self.store.write { q in
                try q.once(key: key, now: now) {
                    let (donor, token) = try q.createDonor(name: body.name, now: now)
                    return CreateDonorResponse(donorID: donor.id, name: donor.name, enrollmentToken: token)
                }
            }
            return try JSONResponse.make(created, status: .created)
        }

        router.post("/v1/batches") { request, _ in
            let body = try await JSONResponse.decode(CreateBatchRequest.self, from: request, limit: self.configuration.jsonBodyLimit)
            let project = try await self.project(named: body.project)
            try await self.auth.require(request, project: project)
            let key = try Self.idempotencyKey(request)
            await self.fetchMissingBlobs(body.workUnits.flatMap { $0.inputs.map(\.sha256) })
            return try JSONResponse.make(try await self.engine.createBatch(body, project: project, idempotencyKey: key),
                                         status: .created)
        }
        router.get("/v1/batches/:id") { request, context in
            let batch = try await self.authorizedBatch(request, context)
            let status = try await self.store.read { q in try self.engine.status(of: batch, q) }
            return try JSONResponse.make(status)
        }
        router.get("/v1/batches/:id/results") { request, context in
            let batch = try await self.authorizedBatch(request, context)
            let (status, outcomes) = try await self.store.read { q in
                (try self.engine.status(of: batch, q), try q.workUnitOutcomes(batch: batch.id))
            }
            return try JSONResponse.make(BatchResults(batch: status, workUnits: outcomes.map {
                WorkUnitResult(workUnitID: $0.id, name: $0.name, status: $0.status, outputs: $0.outputs,
                    agreeingHosts: $0.agreeingHosts, agreeingDonors: $0.agreeingDonors, errorReason: $0.errorReason)
            }))
        }
        router.post("/v1/batches/:id/cancel") { request, context in
            let batch = try await self.authorizedBatch(request, context)
            try await self.engine.cancelBatch(batch.id)
            let status = try await self.store.read { q in try self.engine.status(of: try q.batch(batch.id) ?? batch, q) }
            return try JSONResponse.make(status)
        }
    }

    func project(named name: String) async throws -> ProjectRecord {
        guard let project = try await store.read({ q in try q.project(name: name) }) else {
            throw APIError.notFound("no project named '\(name.prefix(80))'; create it with 'borg-submit project create'")
        }
        return project
    }

    func projectInfo(_ id: ProjectID) async throws -> ProjectInfo {
        guard let project = try await store.read({ q in try q.project(id: id) }) else {
            throw APIError.notFound("project \(id) does not exist")
        }
        return Self.info(project)
    }

    static func info(_ project: ProjectRecord) -> ProjectInfo {
        ProjectInfo(id: project.id, name: project.name, description: project.description, policy: project.policy,
            appVersions: project.appVersions.map {
                AppVersionSpec(platform: $0.platform, sha256: $0.sha256, size: $0.size, signature: $0.signature)
            }, publicKey: project.publicKey)
    }

    /// The batch in the path, if the request's key may see it.
    func authorizedBatch(_ request: Request, _ context: BasicRequestContext) async throws -> BatchRecord {
        let id = try context.parameters.require("id", as: BatchID.self)
        let scope = try await auth.scope(request)
        guard let batch = try await store.read({ q in try q.batch(id) }) else {
            throw APIError.notFound("no batch \(id)")
        }
        if case .project(let project) = scope, project != batch.projectID {
            throw APIError.forbidden("this API key is not for project '\(batch.projectName)'")
        }
        return batch
    }
}
