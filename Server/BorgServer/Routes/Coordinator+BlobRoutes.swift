import BorgCore
import BorgStore
import Foundation
import Hummingbird
import NIOCore

extension Coordinator {
    func addBlobRoutes(to router: Router<BasicRequestContext>) {
        // Content-addressed: knowing the hash is what lets you read a blob.
        router.get("/v1/blobs/:sha") { _, context in
            let sha = try context.parameters.require("sha")
            guard BlobStore.isDigest(sha) else { throw APIError.badRequest(BlobError.malformedDigest(sha).description) }
            await self.fetchMissingBlobs([sha])
            guard let data = try await self.store.blob(sha) else { throw APIError.notFound("no blob \(sha)") }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.put("/v1/blobs/:sha") { request, context in
            _ = try await self.auth.scope(request)
            return try await self.storeBlob(request, sha: try context.parameters.require("sha"))
        }
        router.put("/v1/hosts/:host/blobs/:sha") { request, context in
            _ = try await self.auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            return try await self.storeBlob(request, sha: try context.parameters.require("sha"))
        }
    }

    /// Stores the request body under `sha` after checking it hashes to that; in a grid, also on a peer
    /// unless `replicate` is false (the request is itself a peer's copy).
    func storeBlob(_ request: Request, sha: String, replicate: Bool = true) async throws -> Response {
        guard BlobStore.isDigest(sha) else { throw APIError.badRequest(BlobError.malformedDigest(sha).description) }
        if try await store.hasBlob(sha) {
            if replicate, replicator != nil, let data = store.blobs.read(sha) { try await self.replicate(sha, data) }
            return Response(status: .ok)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.blobLimit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "blob is larger than \(configuration.blobLimit) bytes")
        }
        let data = Data(buffer: buffer)
        try await store.putBlob(data, sha256: sha)
        // Small blobs live in the database and replicate with it; files are copied to a peer.
        if replicate && data.count > Store.smallBlobLimit { try await self.replicate(sha, data) }
        return Response(status: .created)
    }
}
