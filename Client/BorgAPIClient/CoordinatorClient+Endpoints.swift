import BorgCore
import BorgProtocol
import Crypto
import Foundation

extension CoordinatorClient {
    public struct Health: Codable, Sendable {
        public var status: String
        public var apiVersion: String
        public var coordinators: [String]
        public var queueDepth: Int
    }

    public func health() async throws -> Health {
        let health = try await call(.GET, "/v1/health", as: Health.self)
        learn(health.coordinators)
        return health
    }

    // MARK: Hosts

    public func enroll(_ request: EnrollRequest) async throws -> EnrollResponse {
        try await call(.POST, "/v1/hosts/enroll", request)
    }

    /// Asks for up to `maxTasks` tasks. With `held` (the tasks the host still has), tasks given to the host
    /// whose reply never arrived come back first.
    public func requestWork(host: HostID, maxTasks: Int, platforms: [String]? = nil, held: [TaskID]? = nil)
        async throws -> WorkResponse
    {
        let reply = try await call(.POST, "/v1/hosts/\(host)/work",
                                   WorkRequest(maxTasks: maxTasks, platforms: platforms, heldTasks: held), as: WorkResponse.self)
        learn(reply.coordinators)
        return reply
    }

    public func report(host: HostID, _ reports: [TaskReport]) async throws -> ReportResponse {
        try await call(.POST, "/v1/hosts/\(host)/reports", ReportRequest(reports: reports))
    }

    public func heartbeat(host: HostID, running: [TaskID]) async throws -> HeartbeatResponse {
        try await call(.POST, "/v1/hosts/\(host)/heartbeat", HeartbeatRequest(runningTasks: running))
    }

    /// Gives tasks back (all when `tasks` is nil); `leaving` ends the host, refused (409) while it holds pieces of
    /// stored files when it says it has handed them over (`piecesHandedOver`).
    public func abandon(host: HostID, tasks: [TaskID]? = nil, leaving: Bool = false, piecesHandedOver: Bool = false)
        async throws -> AbandonResponse
    {
        try await call(.POST, "/v1/hosts/\(host)/abandon",
                       AbandonRequest(tasks: tasks, leaving: leaving, piecesHandedOver: piecesHandedOver ? true : nil))
    }

    // MARK: Blobs

    /// Lower-case hex SHA-256 of `data`.
    public static func sha256(_ data: Data) -> String {
        HexEncoding.string(SHA256.hash(data: data))
    }

    /// Uploads `data` (as a submitter, or as `host`); returns its digest.
    @discardableResult
    public func upload(_ data: Data, host: HostID? = nil) async throws -> String {
        let sha = Self.sha256(data)
        let path = host.map { "/v1/hosts/\($0)/blobs/\(sha)" } ?? "/v1/blobs/\(sha)"
        let (status, body) = try await raw(.PUT, path, body: data, contentType: "application/octet-stream")
        try Self.check(status, body)
        return sha
    }

    /// Downloads a blob and checks its digest.
    public func download(_ sha256: String) async throws -> Data {
        let (status, body) = try await raw(.GET, "/v1/blobs/\(sha256)")
        try Self.check(status, body)
        guard Self.sha256(body) == sha256 else {
            throw APIClientError(status: status, reason: "blob \(sha256) arrived corrupted (hash mismatch)")
        }
        return body
    }

    // MARK: Submitters and admin

    public func createProject(_ request: CreateProjectRequest) async throws -> ProjectInfo {
        try await call(.POST, "/v1/projects", request)
    }

    public func projects() async throws -> [ProjectInfo] { try await call(.GET, "/v1/projects") }

    public func project(named name: String) async throws -> ProjectInfo { try await call(.GET, "/v1/projects/\(name)") }

    public func createSubmitterKey(project: String) async throws -> SubmitterKeyResponse {
        try await call(.POST, "/v1/projects/\(project)/keys")
    }

    /// Creates a donor; `email` stays private (the statistics export hashes it with the donor's cross-project id).
    public func createDonor(name: String, email: String? = nil) async throws -> CreateDonorResponse {
        try await call(.POST, "/v1/donors", CreateDonorRequest(name: name, email: email))
    }

    /// Creates a batch. Its `Idempotency-Key` (a new one unless `idempotencyKey` is given) makes a retry,
    /// even through another coordinator, return the first batch instead of creating another.
    public func createBatch(_ request: CreateBatchRequest, idempotencyKey: String = UUID().uuidString)
        async throws -> CreateBatchResponse
    {
        try await call(.POST, "/v1/batches", request, headers: [("Idempotency-Key", idempotencyKey)])
    }

    public func batchStatus(_ id: BatchID) async throws -> BatchStatus { try await call(.GET, "/v1/batches/\(id)") }

    public func batchResults(_ id: BatchID) async throws -> BatchResults { try await call(.GET, "/v1/batches/\(id)/results") }

    /// Tells the coordinator the batch's results were collected: it purges them after its retention time.
    public func markCollected(_ id: BatchID) async throws -> BatchStatus {
        try await call(.POST, "/v1/batches/\(id)/collected")
    }

    public func cancelBatch(_ id: BatchID) async throws -> BatchStatus {
        try await call(.POST, "/v1/batches/\(id)/cancel")
    }

    // MARK: Stats

    public func donorStats() async throws -> [DonorStats] { try await call(.GET, "/v1/stats/donors") }
    public func donorStats(_ id: DonorID) async throws -> DonorStats { try await call(.GET, "/v1/stats/donors/\(id)") }
    public func hostStats() async throws -> [HostStats] { try await call(.GET, "/v1/stats/hosts") }
    public func hostStats(_ id: HostID) async throws -> HostStats { try await call(.GET, "/v1/stats/hosts/\(id)") }
    public func projectStats() async throws -> [ProjectStats] { try await call(.GET, "/v1/stats/projects") }
    public func leaderboard(by: String = "total") async throws -> Leaderboard { try await call(.GET, "/v1/stats/leaderboard?by=\(by)") }
    public func teamStats() async throws -> [TeamStats] { try await call(.GET, "/v1/stats/teams") }

    /// Creates a team (any API key).
    public func createTeam(_ request: CreateTeamRequest) async throws -> TeamStats { try await call(.POST, "/v1/teams", request) }

    /// The host's donor joins the team named `name`.
    public func joinTeam(host: HostID, name: String) async throws -> TeamMembership {
        try await call(.POST, "/v1/hosts/\(host)/team", JoinTeamRequest(name: name))
    }

    /// The host's donor leaves its team.
    public func leaveTeam(host: HostID) async throws -> TeamMembership { try await call(.DELETE, "/v1/hosts/\(host)/team") }
}
