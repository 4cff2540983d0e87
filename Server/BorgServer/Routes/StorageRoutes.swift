import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// Storage donation: `/v1/hosts/{id}/storage` (a host offers disk), `/v1/hosts/{id}/files…` and
/// `/v1/hosts/{id}/space` (the donor's files, under its host's secret), `/v1/storage` (the admin's view).
/// Pieces never pass through here: clients move them to and from hosts under the orders these routes sign.
struct StorageRoutes {
    let storage: StorageEngine
    let auth: Authenticator

    func addRoutes(to router: Router<CoordinatorContext>) {
        router.post("/v1/hosts/:host/storage") { request, context in
            let host = try await host(request, context)
            let offer = try await JSONResponse.decode(StorageRegistration.self, from: request, limit: 64 << 10)
            return try JSONResponse.make(try await storage.register(host: host, offer))
        }
        router.post("/v1/hosts/:host/files") { request, context in
            let host = try await host(request, context)
            let body = try await JSONResponse.decode(CreateFileRequest.self, from: request, limit: 64 << 10)
            return try JSONResponse.make(try await storage.createFile(host: host, body), status: .created)
        }
        router.get("/v1/hosts/:host/files") { request, context in
            try JSONResponse.make(try await storage.list(host: try await host(request, context)))
        }
        router.get("/v1/hosts/:host/files/:file") { request, context in
            let host = try await host(request, context)
            return try JSONResponse.make(try await storage.location(host: host, file: try context.parameters.require("file")))
        }
        router.post("/v1/hosts/:host/files/:file/commit") { request, context in
            let host = try await host(request, context)
            let body = try await JSONResponse.decode(CommitFileRequest.self, from: request, limit: 4 << 20)
            return try JSONResponse.make(try await storage.commit(host: host, file: try context.parameters.require("file"), body))
        }
        router.delete("/v1/hosts/:host/files/:file") { request, context in
            let host = try await host(request, context)
            return try JSONResponse.make(try await storage.delete(host: host, file: try context.parameters.require("file")))
        }
        router.get("/v1/hosts/:host/space") { request, context in
            try JSONResponse.make(try await storage.space(host: try await host(request, context)))
        }
        router.get("/v1/storage") { request, _ in
            try await auth.requireAdmin(request)
            return try JSONResponse.make(try await storage.status())
        }
    }

    private func host(_ request: Request, _ context: CoordinatorContext) async throws -> HostRecord {
        try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
    }
}
