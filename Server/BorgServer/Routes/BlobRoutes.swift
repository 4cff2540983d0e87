import BorgCore
import Hummingbird

/// `/v1/blobs/…`: content-addressed files (inputs, apps, outputs). Knowing the hash is what lets you
/// read a blob; writing one needs an API key, or a host's secret for its outputs.
struct BlobRoutes {
    let blobs: BlobService
    let auth: Authenticator

    func addRoutes(to api: APIRouter) {
        api.add(APIOperation(method: .get, path: "/v1/blobs/{sha}", summary: "A blob by its SHA-256", access: .anyone,
                             reply: .content(types: ["application/octet-stream"]))) { _, context in
            try await blobs.serve(try context.parameters.require("sha"))
        }
        api.add(APIOperation(method: .put, path: "/v1/blobs/{sha}", summary: "Upload a blob (an input or an app)",
                             access: .apiKey, body: .bytes, reply: .empty, status: .created, alsoSucceedsWith: [.ok])) { request, context in
            _ = try await auth.scope(request)
            return try await blobs.accept(request, sha: try context.parameters.require("sha"))
        }
        api.add(APIOperation(method: .put, path: "/v1/hosts/{host}/blobs/{sha}", summary: "Upload a task's output",
                             access: .host, body: .bytes, reply: .empty, status: .created, alsoSucceedsWith: [.ok])) { request, context in
            _ = try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            return try await blobs.accept(request, sha: try context.parameters.require("sha"))
        }
    }
}
