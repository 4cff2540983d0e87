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

    /// Stores the request body under `sha` after checking it hashes to that.
    func storeBlob(_ request: Request, sha: String) async throws -> Response {
        guard BlobStore.isDigest(sha) else { throw APIError.badRequest(BlobError.malformedDigest(sha).description) }
        if try await store.hasBlob(sha) { return Response(status: .ok) }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.blobLimit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "blob is larger than \(configuration.blobLimit) bytes")
        }
        try await store.putBlob(Data(buffer: buffer), sha256: sha)
        return Response(status: .created)
    }
}
