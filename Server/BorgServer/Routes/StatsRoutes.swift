import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// `/v1/stats/…`: contribution statistics, public like BOINC's leaderboards.
struct StatsRoutes {
    let store: Store
    let statistics: ContributionStatistics

    func addRoutes(to api: APIRouter) {
        api.on(.get, "/v1/stats/donors", "Every donor's credit, by total credit", access: .anyone) { _, _ in
            try await statistics.donors()
        }
        api.on(.get, "/v1/stats/donors/{id}", "One donor's credit", access: .anyone) { _, context in
            let id = try context.parameters.require("id", as: DonorID.self)
            guard let donor = try await statistics.donors().first(where: { $0.donorID == id }) else {
                throw EngineError.unknown("no donor \(id)")
            }
            return donor
        }
        api.on(.get, "/v1/stats/hosts", "Every host's credit", access: .anyone) { _, _ in
            try await statistics.hosts()
        }
        api.on(.get, "/v1/stats/hosts/{id}", "One host's credit", access: .anyone) { _, context in
            let id = try context.parameters.require("id", as: HostID.self)
            guard let host = try await statistics.hosts(host: id).first else {
                throw EngineError.unknown("no host \(id)")
            }
            return host
        }
        api.on(.get, "/v1/stats/teams", "Every team's credit (its current members')", access: .anyone) { _, _ in
            try await statistics.teams()
        }
        api.on(.get, "/v1/stats/teams/{id}", "One team's credit", access: .anyone) { _, context in
            let id = try context.parameters.require("id", as: TeamID.self)
            guard let team = try await statistics.teams().first(where: { $0.teamID == id }) else {
                throw EngineError.unknown("no team \(id)")
            }
            return team
        }
        api.on(.get, "/v1/stats/projects", "Every project's work units, tasks and credit", access: .anyone) { _, _ in
            let totals = try await store.read { q in try q.projectTotals() }
            return totals.map {
                ProjectStats(project: $0.name, workUnits: $0.workUnits, completed: $0.completed, failed: $0.failed,
                    tasksUnsent: $0.tasksUnsent, tasksInProgress: $0.tasksInProgress, creditGranted: $0.creditGranted)
            }
        }
        api.on(.get, "/v1/stats/leaderboard", "Donors by total credit or by recent average credit", access: .anyone,
               query: ["by": .oneOf(["total", "rac"])]) { request, _ in
            let by = request.uri.queryParameters.get("by") ?? "total"
            var donors = try await statistics.donors()
            switch by {
            case "total": break
            case "rac": donors.sort { $0.rac > $1.rac }
            default: throw RequestError.malformed("by must be 'total' or 'rac'")
            }
            return Leaderboard(by: by, donors: donors)
        }
    }
}
