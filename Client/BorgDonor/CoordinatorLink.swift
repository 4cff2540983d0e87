import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation

/// The daemon's link to the coordinators: work requests, reports, heartbeats and abandons through one
/// ``CoordinatorClient``, which tries every coordinator it knows and learns their list from replies. A
/// connection failure or 5xx takes the link offline for an exponential back-off with full jitter
/// (``Backoff``); while offline it sends nothing.
public actor CoordinatorLink {
    private let client: CoordinatorClient
    private let host: HostID
    private let clock: DonorClock
    private let heartbeatInterval: Double
    private let maxIdlePoll: Double
    private let log: @Sendable (String) -> Void
    private var backoff: Backoff
    private var offlineUntil = Date.distantPast
    private var nextWorkRequest = Date.distantPast
    private var nextHeartbeat = Date.distantPast

    /// A link for `host` through `client`. `heartbeatInterval` is the seconds between heartbeats,
    /// `maxIdlePoll` the longest wait between work requests while the grid has no work, and `maxBackoff`
    /// the longest back-off while no coordinator answers.
    public init(
        client: CoordinatorClient, host: HostID, clock: DonorClock, heartbeatInterval: Double, maxIdlePoll: Double,
        maxBackoff: Double, log: @escaping @Sendable (String) -> Void
    ) {
        self.client = client
        self.host = host
        self.clock = clock
        self.heartbeatInterval = heartbeatInterval
        self.maxIdlePoll = maxIdlePoll
        self.log = log
        backoff = Backoff(minimum: 1, maximum: maxBackoff)
    }

    /// Whether the back-off after the last failure has passed (always, before any failure).
    public var isOnline: Bool { clock.now >= offlineUntil }

    /// Whether a work request may be sent now: the wait after the last one has passed.
    public var isWorkRequestDue: Bool { clock.now >= nextWorkRequest }

    /// Takes the link offline for the next back-off: no coordinator could be reached (the daemon also
    /// calls this when a download fails).
    public func goOffline() {
        let wait = backoff.fail()
        offlineUntil = clock.now.addingTimeInterval(wait)
        log("coordinator unreachable; retrying in \(String(format: "%.1f", wait)) s, computing meanwhile")
    }

    /// Reports `task`, whose outputs are in `directory/out` (large ones uploaded first); outputs that are
    /// refused (``TaskReportBuilder``) make it an error report, which is logged.
    public func report(_ task: LocalTask, directory: URL) async -> LinkOutcome<ReportResponse> {
        let client = self.client
        let host = self.host
        let log = self.log
        return await contact("report of task \(task.id)") {
            let report = try await TaskReportBuilder.report(for: task, directory: directory, client: client, host: host)
            if task.errorMessage == nil, let refused = report.errorMessage {
                log("task \(task.id) is reported as an error: \(refused)")
            }
            return try await client.report(host: host, [report])
        }
    }

    /// Sends a heartbeat listing the `held` tasks if one is due and the link is online; returns the
    /// answer (whose coordinator list is learnt), or `nil` when none was sent or it was refused.
    public func heartbeatIfDue(held: [TaskID]) async -> HeartbeatResponse? {
        guard clock.now >= nextHeartbeat else { return nil }
        let client = self.client
        let host = self.host
        let outcome = await contact("heartbeat") { try await client.heartbeat(host: host, running: held) }
        if case .unreachable = outcome { return nil }
        nextHeartbeat = clock.now.addingTimeInterval(heartbeatInterval)
        guard case .answered(let reply) = outcome else { return nil }
        client.learn(reply.coordinators)
        return reply
    }

    /// Asks for up to `maxTasks` tasks of `platforms` (call it when ``isWorkRequestDue``), listing the
    /// `held` tasks so that assignments whose reply was lost come back. After an empty answer the next request waits
    /// the coordinator's `retryAfterSeconds` (5 s if it names none), at most `maxIdlePoll`; after a refusal
    /// `maxIdlePoll`. Returns `nil` when offline or refused. The tasks' deadlines come back in this host's
    /// own clock (shifted by how far it is from the coordinator's), so a clock hours off neither drops tasks
    /// that are on time nor keeps ones that are late.
    public func requestWork(maxTasks: Int, platforms: [String], held: [TaskID]) async -> WorkResponse? {
        let client = self.client
        let host = self.host
        let request = { @Sendable in try await client.requestWork(host: host, maxTasks: maxTasks, platforms: platforms, held: held) }
        switch await contact("work request", request) {
        case .answered(var reply):
            if let serverTime = reply.serverTime, serverTime.isFinite {
                let offset = clock.now.timeIntervalSince1970 - serverTime
                for i in reply.tasks.indices { reply.tasks[i].deadline += offset }
            }
            // A wait the coordinator names is kept within 0 … maxIdlePoll (5 s when it names none or NaN).
            let asked = reply.retryAfterSeconds.flatMap { $0.isNaN ? nil : $0 } ?? 5
            let wait = reply.tasks.isEmpty ? min(max(asked, 0), maxIdlePoll) : 0
            nextWorkRequest = clock.now.addingTimeInterval(wait)
            return reply
        case .refused(let error):
            log("work request refused: \(error)")
            nextWorkRequest = clock.now.addingTimeInterval(maxIdlePoll)
            return nil
        case .unreachable:
            return nil
        }
    }

    /// Gives `tasks` back to the grid, which reissues them at once.
    public func abandon(_ tasks: [TaskID]) async {
        let client = self.client
        let host = self.host
        _ = await contact("abandon") { try await client.abandon(host: host, tasks: tasks) }
    }

    /// Runs one call unless the link is offline; a connection failure or 5xx takes it offline.
    private func contact<T: Sendable>(_ what: String, _ body: @Sendable () async throws -> T) async -> LinkOutcome<T> {
        guard isOnline else { return .unreachable }
        do {
            let value = try await body()
            cameOnline()
            return .answered(value)
        } catch let error as APIClientError where (error.status ?? 500) < 500 {
            cameOnline()
            return .refused(error)
        } catch {
            log("\(what) failed: \(error)")
            goOffline()
            return .unreachable
        }
    }

    private func cameOnline() {
        if backoff.failures > 0 { log("coordinator reachable again") }
        backoff.succeed()
    }
}
