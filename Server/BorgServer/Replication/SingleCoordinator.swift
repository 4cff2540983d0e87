import BorgEngine
import Foundation

/// A coordinator alone: it takes every write, leads always, and has nobody to copy blobs to.
struct SingleCoordinator: Replication {
    let advertised: AdvertisedURL

    func writeRoute() async -> WriteRoute { .here }
    func link(to url: String) throws -> String { url }
    func apiIsServing(host: String, port: Int) {}
    func leaderDidNotAnswer() {}
    var writePatience: Double { 0 }
    var ownURL: String? { advertised.url }
    var leads: Bool { true }
    var coordinators: [String] { [advertised.url ?? advertised.configuredURL] }
    func refreshQueueIfStale() async throws {}
    func replicate(blob sha: String, _ data: Data) async throws {}
    func fetchMissing(blobs digests: [String]) async {}

    func grid(authorizing secret: String?) throws -> ReplicatedGrid {
        throw EngineError.unknown("this coordinator is not part of a replicated grid (start it with --cluster-listen)")
    }

    func leave() async {}
    func close() {}
}
