import BorgCore
import Hummingbird

/// `/v1/blobs/…`: content-addressed files (inputs, apps, outputs). Knowing the hash is what lets you
/// read a blob; writing one needs an API key, or a host's secret for its outputs.
struct BlobRoutes {
    let blobs: BlobService
    let auth: Authenticator

    func addRoutes(to router: Router<CoordinatorContext>) {
        router.get("/v1/blobs/:sha") { _, context in
            try await blobs.serve(try context.parameters.require("sha"))
        }
        router.put("/v1/blobs/:sha") { request, context in
            _ = try await auth.scope(request)
            return try await blobs.accept(request, sha: try context.parameters.require("sha"))
        }
        router.put("/v1/hosts/:host/blobs/:sha") { request, context in
            _ = try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            return try await blobs.accept(request, sha: try context.parameters.require("sha"))
        }
    }
}
