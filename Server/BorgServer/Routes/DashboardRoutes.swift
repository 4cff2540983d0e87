import BorgCore
import BorgDashboard
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// The web dashboard, served by every coordinator: the grid at `/`, batches, leaderboards, and the pages of
/// a donor, a host and a project. Public, like BOINC's pages: names, credit and counts, nothing secret.
struct DashboardRoutes {
    let engine: LifecycleEngine
    let statistics: ContributionStatistics
    let replication: any Replication
    let storage: StorageEngine
    let dashboard: Dashboard

    /// A host in touch within this many seconds counts as online.
    static let onlineWindow = 600.0
    /// Tasks reported within this many seconds make the grid's rate.
    static let rateWindow = 60.0
    /// Days of history in the charts.
    static let historyDays = 90
    /// Batches listed on `/batches` and on a project's page; failed work units listed on a batch's page.
    static let batchesListed = 100
    static let failuresListed = 20
    /// The last page number a leaderboard accepts.
    static let lastPage = 1_000_000

    func addRoutes(to api: APIRouter) {
        route(api, "/", "The grid now: coordinators, hosts, power, running batches, storage, history") { _, _ in try await gridPage() }
        route(api, "/batches", "Recent batches with their progress") { request, context in
            let now = engine.clock()
            let statuses = try await engine.store.read { q in
                try engine.statuses(of: try q.recentBatches(limit: Self.batchesListed), q)
            }
            return BatchListPage(batches: statuses, now: now)
        }
        route(api, "/batches/{id}", "A batch's progress, times and failures") { request, context in
            let id = try context.parameters.require("id", as: BatchID.self)
            let now = engine.clock()
            let (status, failures) = try await engine.store.read { q in
                guard let batch = try q.batch(id) else { throw EngineError.unknown("There is no batch \(id).") }
                return (try engine.status(of: batch, q), try q.failedWorkUnits(batch: id, limit: Self.failuresListed))
            }
            return BatchPage(status: status, failures: failures, now: now)
        }
        route(api, "/donors", "Donors by total or recent credit", paged: true) { request, context in
            let (order, number) = try Self.paging(request)
            return LeaderboardPage.donors(try await statistics.donors(), by: order, page: number)
        }
        route(api, "/donors/{id}", "A donor's credit, history and hosts") { request, context in
            let id = try context.parameters.require("id", as: DonorID.self)
            guard let donor = try await statistics.donors().first(where: { $0.donorID == id }) else {
                throw EngineError.unknown("There is no donor \(id).")
            }
            let live = DailyPoint(day: DailyTotal.day(of: engine.clock()), totalCredit: donor.totalCredit, tasksValid: Double(donor.tasks.valid))
            let history = DailyPoint.ending(try await history(donor: id), with: live)
            let team = try await statistics.teams().first { $0.name == donor.team }
            return DonorPage(donor: donor, team: team, hosts: try await statistics.hosts(donor: id), history: history,
                             onlineSince: engine.clock() - Self.onlineWindow)
        }
        route(api, "/teams", "Teams by total or recent credit", paged: true) { request, context in
            let (order, number) = try Self.paging(request)
            return LeaderboardPage.teams(try await statistics.teams(), by: order, page: number)
        }
        route(api, "/teams/{id}", "A team's credit and members") { request, context in
            let id = try context.parameters.require("id", as: TeamID.self)
            guard let team = try await statistics.teams().first(where: { $0.teamID == id }) else {
                throw EngineError.unknown("There is no team \(id).")
            }
            return TeamPage(team: team, members: try await statistics.donors().filter { $0.team == team.name })
        }
        route(api, "/hosts", "Hosts by total or recent credit", paged: true) { request, context in
            let (order, number) = try Self.paging(request)
            let names = try await engine.store.read { q in try q.donorNames() }
            return LeaderboardPage.hosts(try await statistics.hosts(), donorNames: names, by: order, page: number)
        }
        route(api, "/hosts/{id}", "A host's credit and tasks") { request, context in
            let id = try context.parameters.require("id", as: HostID.self)
            guard let host = try await statistics.hosts(host: id).first else { throw EngineError.unknown("There is no host \(id).") }
            let donor = try await engine.store.read { q in try q.donor(id: host.donorID) }
            return HostPage(host: host, donorName: donor?.name ?? "donor \(host.donorID.rawValue)",
                            onlineSince: engine.clock() - Self.onlineWindow)
        }
        route(api, "/projects/{name}", "A project's policy, totals and batches") { _, context in
            try await projectPage(name: try context.parameters.require("name"))
        }
    }

    /// The grid page: what the grid is and does now, and its history.
    func gridPage() async throws -> GridPage {
        let now = engine.clock()
        let (activity, batches) = try await engine.store.read { q in
            (try q.gridActivity(onlineSince: now - Self.onlineWindow, reportedSince: now - Self.rateWindow),
             try engine.statuses(of: try q.recentBatches(activeOnly: true, limit: Self.batchesListed), q))
        }
        let storageStatus = try await storage.status()
        let leader: String?
        switch await replication.writeRoute() {
        case .here: leader = replication.ownURL ?? replication.coordinators.first
        case .leader(let url): leader = url
        case .unavailable: leader = nil
        }
        return GridPage(
            coordinators: replication.coordinators, leader: leader, donors: activity.donors, hosts: activity.hosts,
            hostsOnline: activity.hostsOnline, totalRAC: activity.hostRAC.reduce(0) { $0 + $1.decayed(to: now) },
            tasksPerSecond: Double(activity.tasksReported) / Self.rateWindow, batches: batches, storage: storageStatus,
            history: DailyPoint.ending(try await history(donor: nil),
                                       with: DailyPoint(day: DailyTotal.day(of: now), totalCredit: activity.totalCredit,
                                                        tasksValid: Double(activity.tasksValid))),
            now: now)
    }

    func projectPage(name: String) async throws -> ProjectPage {
        let now = engine.clock()
        return try await engine.store.read { q in
            guard let project = try q.project(name: name),
                let totals = try q.projectTotals().first(where: { $0.name == name })
            else { throw EngineError.unknown("There is no project named '\(name)'.") }
            let batches = try engine.statuses(of: try q.recentBatches(project: project.id, limit: Self.batchesListed), q)
            let stats = ProjectStats(project: totals.name, workUnits: totals.workUnits, completed: totals.completed,
                failed: totals.failed, tasksUnsent: totals.tasksUnsent, tasksInProgress: totals.tasksInProgress,
                creditGranted: totals.creditGranted)
            return ProjectPage(stats: stats, description: project.description, policy: project.policy, batches: batches, now: now)
        }
    }

    /// A donor's (or with `nil` the grid's) daily totals over the charts' span.
    func history(donor: DonorID?) async throws -> [DailyPoint] {
        let today = DailyTotal.day(of: engine.clock())
        // One day more than shown: the first snapshot is the baseline of the throughput chart.
        return try await engine.store.read { q in try q.dailyTotals(donor: donor, since: today - Self.historyDays - 1) }
            .map { DailyPoint(day: $0.day, totalCredit: $0.totalCredit, tasksValid: Double($0.tasksValid)) }
    }

    /// `?by=total|rac&page=N` of a leaderboard.
    static func paging(_ request: Request) throws -> (LeaderboardPage.Order, Int) {
        let query = request.uri.queryParameters
        guard let order = LeaderboardPage.Order(rawValue: query.get("by") ?? "total") else {
            throw RequestError.malformed("by must be 'total' or 'rac'")
        }
        let number = query.get("page") ?? "0"
        guard let page = Int(number), (0...Self.lastPage).contains(page) else {
            throw RequestError.malformed("page must be a whole number from 0 (got '\(number)')")
        }
        return (order, page)
    }

    /// Routes a page at `path`; `paged` pages take `?by=total|rac&page=N`.
    private func route<Page: DashboardPage>(
        _ api: APIRouter, _ path: String, _ summary: String, paged: Bool = false,
        _ build: @escaping @Sendable (Request, CoordinatorContext) async throws -> Page
    ) {
        let query: [String: JSONSchema] = paged ? ["by": .oneOf(LeaderboardPage.Order.allCases.map(\.rawValue)),
                                                     "page": .integer(0...Int64(Self.lastPage), format: "int32")] : [:]
        api.add(APIOperation(method: .get, path: path, summary: summary, access: .anyone,
                             reply: .html, query: query)) { request, context in
            await page(request, context) { try await build(request, context) }
        }
    }

    /// Renders what `build` makes as an HTML page. A failure is a page too, with the status and reason
    /// ``ErrorMiddleware`` would give the API (an unknown id 404, a bad query or id 400, no leader 503).
    func page<Page: DashboardPage>(_ request: Request, _ context: CoordinatorContext, _ build: () async throws -> Page)
        async -> Response
    {
        do {
            return html(dashboard.render(try await build(), servedBy: servedBy), status: .ok)
        } catch {
            let answer = ErrorMiddleware<CoordinatorContext>.answer(to: error, request: request, logger: context.logger)
            return html(dashboard.render(MessagePage(title: answer.status.reasonPhrase, message: answer.reason), servedBy: servedBy),
                        status: answer.status)
        }
    }

    /// Who served the page, for its footer.
    var servedBy: String { replication.ownURL ?? "this coordinator" }

    func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
