import Foundation

/// How a coordinator shares the grid with other coordinators: alone on embedded SQLite
/// (``SingleCoordinator``), or as one of several replicating the store with dqlite (``ReplicatedGrid``).
/// Routes and middleware ask it where writes go, which coordinators to list in replies and how blobs
/// reach a second coordinator; they never ask which kind it is.
protocol Replication: Sendable {
    /// Where a request that changes state is handled right now.
    func writeRoute() async -> WriteRoute
    /// The base URL through which this coordinator reaches the coordinator whose API is at `url`: over the
    /// cluster link (encrypted, mutually authenticated) in a grid.
    func link(to url: String) throws -> String
    /// This coordinator's API now listens on `host`:`port` (other coordinators reach it there through the
    /// cluster link).
    func apiIsServing(host: String, port: Int)
    /// The leading coordinator did not answer a forwarded request: ask who leads again next time.
    func leaderDidNotAnswer()
    /// Seconds a write waits for a leading coordinator before it is answered 503.
    var writePatience: Double { get }
    /// This coordinator's API URL, once it listens.
    var ownURL: String? { get }
    /// Whether this coordinator runs the grid's background work now.
    var leads: Bool { get }
    /// The coordinator URLs handed to clients for fail-over, the one taking writes first.
    var coordinators: [String] { get }
    /// Makes the ready queues reflect tasks created while another coordinator led.
    func refreshQueueIfStale() async throws
    /// Copies a blob file just stored here to another coordinator before anything references it.
    func replicate(blob sha: String, _ data: Data) async throws
    /// Fetches from other coordinators whichever of `digests` this one lacks.
    func fetchMissing(blobs digests: [String]) async
    /// The grid, if `secret` is its cluster secret; throws when this coordinator is alone or the secret is wrong.
    func grid(authorizing secret: String?) throws -> ReplicatedGrid
    /// Leaves the grid cleanly when the coordinator stops (before the store closes).
    func leave() async
    /// Closes what it opened (after the store closed).
    func close()
}
