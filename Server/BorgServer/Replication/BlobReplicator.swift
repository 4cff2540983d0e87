import BorgAPIClient
import BorgEngine
import BorgStore
import Foundation

/// Keeps every blob on at least two coordinators of a grid: pushes new blobs to a live peer before the
/// transaction that references them commits, and fetches a blob this coordinator lacks from its peers.
/// Peers talk over `/v1/cluster/blobs/{sha}` with the cluster secret.
struct BlobReplicator: Sendable {
    let blobs: BlobStore
    let secret: String
    /// Base URLs reaching the other live coordinators (over the cluster link); throws when one cannot be reached.
    let peers: @Sendable () throws -> [String]

    /// Copies blob `sha` to one live peer; fails if there are peers and none took it.
    func push(_ sha: String, _ data: Data) async throws {
        let others = try peers()
        guard !others.isEmpty else { return }
        let client = CoordinatorClient(coordinators: others.shuffled(), credential: secret, timeout: .seconds(20))
        let (status, body) = try await client.raw(.PUT, "/v1/cluster/blobs/\(sha)", body: data, contentType: "application/octet-stream")
        guard status < 300 else {
            throw EngineError.unavailable("could not copy blob \(sha) to another coordinator: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }

    /// Whether blob `sha` is here, fetching it from a peer first if needed.
    func ensure(_ sha: String) async -> Bool {
        if blobs.contains(sha) { return true }
        for peer in (try? peers()) ?? [] {
            let client = CoordinatorClient(coordinators: [peer], credential: secret, timeout: .seconds(20))
            guard let reply = try? await client.raw(.GET, "/v1/cluster/blobs/\(sha)"), reply.status == 200,
                  (try? blobs.put(reply.body, sha256: sha)) != nil
            else { continue }
            return true
        }
        return false
    }
}
