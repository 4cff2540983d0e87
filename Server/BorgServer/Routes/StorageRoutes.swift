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

    func addRoutes(to api: APIRouter) {
        api.on(.post, "/v1/hosts/{host}/storage", "Offer disk to the grid; answers the host's piece-store key",
               access: .host, authorize: host, body: StorageRegistration.self, limit: 64 << 10) { _, _, host, offer in
            try await storage.register(host: host, offer)
        }
        api.on(.post, "/v1/hosts/{host}/storage/inventory",
               "List pieces the host holds; answers those no file places there, for the host to delete once old enough",
               access: .host, authorize: host, body: PieceInventory.self, limit: 1 << 20) { _, _, host, inventory in
            try await storage.inventory(host: host, inventory)
        }
        api.on(.post, "/v1/hosts/{host}/files", "Start storing a file: where its pieces go, under signed orders",
               access: .host, authorize: host, body: CreateFileRequest.self, limit: 64 << 10, status: .created) {
            _, _, host, body in try await storage.createFile(host: host, body)
        }
        api.on(.get, "/v1/hosts/{host}/files", "The donor's stored files", access: .host) { request, context in
            try await storage.list(host: try await host(request, context))
        }
        api.on(.get, "/v1/hosts/{host}/files/{file}", "Where a file's pieces are, with orders to read them",
               access: .host) { request, context in
            let host = try await host(request, context)
            return try await storage.location(host: host, file: try context.parameters.require("file"))
        }
        api.on(.post, "/v1/hosts/{host}/files/{file}/commit", "Record the pieces of a file that were stored",
               access: .host, authorize: host, body: CommitFileRequest.self, limit: 4 << 20) { _, context, host, body in
            try await storage.commit(host: host, file: try context.parameters.require("file"), body)
        }
        api.on(.post, "/v1/hosts/{host}/files/{file}/refill",
               "Place again the pieces an upload could not store (hosts failed or left); answers where to send them",
               access: .host, authorize: host, body: RefillRequest.self, limit: 4 << 20) { _, context, host, body in
            try await storage.refill(host: host, file: try context.parameters.require("file"), body)
        }
        api.on(.post, "/v1/hosts/{host}/files/{file}/damaged", "Report pieces a read found damaged: they are audited first",
               access: .host, authorize: host, body: DamagedPiecesReport.self, limit: 64 << 10, status: .accepted) { _, context, host, body in
            try await storage.reportDamaged(host: host, file: try context.parameters.require("file"), body)
        }
        api.on(.delete, "/v1/hosts/{host}/files/{file}", "Delete a file; its pieces are collected", access: .host) {
            request, context in
            let host = try await host(request, context)
            return try await storage.delete(host: host, file: try context.parameters.require("file"))
        }
        api.on(.get, "/v1/hosts/{host}/space", "The donor's storage: quota, used, logical space free", access: .host) {
            request, context in
            try await storage.space(host: try await host(request, context))
        }
        api.on(.get, "/v1/storage", "The grid's storage: hosts, capacity, pieces, repair queue", access: .admin) { request, _ in
            try await auth.requireAdmin(request)
            return try await storage.status()
        }
    }

    private func host(_ request: Request, _ context: CoordinatorContext) async throws -> HostRecord {
        try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
    }
}
