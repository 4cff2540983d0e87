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

    func addRoutes(to router: Router<CoordinatorContext>) {
        router.get("/v1/stats/donors") { _, _ in
            try JSONResponse.make(try await statistics.donors())
        }
        router.get("/v1/stats/donors/:id") { _, context in
            let id = try context.parameters.require("id", as: DonorID.self)
            guard let donor = try await statistics.donors().first(where: { $0.donorID == id }) else {
                throw EngineError.unknown("no donor \(id)")
            }
            return try JSONResponse.make(donor)
        }
        router.get("/v1/stats/hosts") { _, _ in
            try JSONResponse.make(try await statistics.hosts())
        }
        router.get("/v1/stats/hosts/:id") { _, context in
            let id = try context.parameters.require("id", as: HostID.self)
            guard let host = try await statistics.hosts(host: id).first else {
                throw EngineError.unknown("no host \(id)")
            }
            return try JSONResponse.make(host)
        }
        router.get("/v1/stats/teams") { _, _ in
            try JSONResponse.make(try await statistics.teams())
        }
        router.get("/v1/stats/teams/:id") { _, context in
            let id = try context.parameters.require("id", as: TeamID.self)
            guard let team = try await statistics.teams().first(where: { $0.teamID == id }) else {
                throw EngineError.unknown("no team \(id)")
            }
            return try JSONResponse.make(team)
        }
        router.get("/v1/stats/projects") { _, _ in
            let totals = try await store.read { q in try q.projectTotals() }
            return try JSONResponse.make(totals.map {
                ProjectStats(project: $0.name, workUnits: $0.workUnits, completed: $0.completed, failed: $0.failed,
                    tasksUnsent: $0.tasksUnsent, tasksInProgress: $0.tasksInProgress, creditGranted: $0.creditGranted)
            })
        }
        router.get("/v1/stats/leaderboard") { request, _ in
            let by = request.uri.queryParameters.get("by") ?? "total"
            var donors = try await statistics.donors()
            switch by {
            case "total": break
            case "rac": donors.sort { $0.rac > $1.rac }
            default: throw RequestError.malformed("by must be 'total' or 'rac'")
            }
            return try JSONResponse.make(Leaderboard(by: by, donors: donors))
        }
    }
}
