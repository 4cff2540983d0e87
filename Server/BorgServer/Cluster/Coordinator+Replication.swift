import Foundation

extension Coordinator {
    /// In a grid, copies a blob just stored here to another coordinator before anything references it.
    func replicate(_ sha: String, _ data: Data) async throws {
        try await replicator?.push(sha, data)
    }

    /// In a grid, fetches from peers whichever of `digests` this coordinator lacks.
    func fetchMissingBlobs(_ digests: [String]) async {
        guard let replicator else { return }
        for sha in Set(digests) where !((try? await store.hasBlob(sha)) ?? false) {
            _ = await replicator.ensure(sha)
        }
    }
}
