import BorgEngine
import BorgStore
import Foundation
import Hummingbird
import NIOCore

/// Takes blobs that arrive over HTTP (inputs, apps, large outputs, peers' copies) into the store, and in a
/// grid keeps each blob file on a second coordinator before anything references it.
struct BlobService: Sendable {
    let store: Store
    let replication: any Replication
    /// Largest blob accepted.
    let limit: Int
    let clock: @Sendable () -> Double

    /// Stores the request body under `sha` after checking it hashes to that; in a grid, also on a peer
    /// unless `replicate` is false (the request is itself a peer's copy). Answers 201, or 200 when the
    /// blob was already here.
    func accept(_ request: Request, sha: String, replicate: Bool = true) async throws -> Response {
        guard BlobStore.isDigest(sha) else { throw BlobError.malformedDigest(sha) }
        if try await store.hasBlob(sha) {
            try await store.touchBlob(sha, now: clock())
            if replicate, let data = store.blobs.read(sha) { try await replication.replicate(blob: sha, data) }
            return Response(status: .ok)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw RequestError.tooLarge("blob is larger than \(limit) bytes")
        }
        let data = Data(buffer: buffer)
        try await store.putBlob(data, sha256: sha, now: clock())
        // Small blobs live in the database and replicate with it; files are copied to a peer.
        if replicate && data.count > Store.smallBlobLimit { try await replication.replicate(blob: sha, data) }
        return Response(status: .created)
    }

    /// Stores a blob whose digest was checked (a large output that came inline) and copies it to a peer.
    func put(_ data: Data, sha: String) async throws {
        try await store.putBlob(data, sha256: sha, now: clock())
        try await replication.replicate(blob: sha, data)
    }

    /// A blob's content as a response: here, or fetched from a peer first.
    func serve(_ sha: String) async throws -> Response {
        guard BlobStore.isDigest(sha) else { throw BlobError.malformedDigest(sha) }
        await replication.fetchMissing(blobs: [sha])
        guard let data = try await store.blob(sha) else { throw EngineError.unknown("no blob \(sha)") }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
