import BorgProtocol
import Foundation

extension Coordinator {
    /// In a grid, copies a blob just stored here to another coordinator before anything references it.
    func replicate(_ sha: String, _ data: Data) async throws {
        try await replicator?.push(sha, data)
    }

    /// In a grid, copies the inline outputs of `reports` (already stored here) to another coordinator.
    func replicateInlineOutputs(_ reports: [TaskReport]) async throws {
        guard replicator != nil else { return }
        for report in reports {
            for output in report.outputs where output.data != nil {
                guard let data = store.blobs.read(output.sha256) else { continue }
                try await replicate(output.sha256, data)
            }
        }
    }

    /// In a grid, fetches from peers whichever of `digests` this coordinator lacks.
    func fetchMissingBlobs(_ digests: [String]) async {
        guard let replicator else { return }
        for sha in Set(digests) where !store.blobs.contains(sha) {
            _ = await replicator.ensure(sha)
        }
    }
}
