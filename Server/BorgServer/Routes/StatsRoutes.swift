import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// `/v1/stats/…`: contribution statistics, public like BOINC's leaderboards.
struct StatsRoutes {
    let store: Store
    /// Seconds since 1970, to decay RAC to now.
    let clock: @Sendable () -> Double

    func addRoutes(to router: Router<CoordinatorContext>) {
        router.get("/v1/stats/donors") { _, _ in
            try JSONResponse.make(try await donorStats())
        }
        router.get("/v1/stats/donors/:id") { _, context in
            let id = try context.parameters.require("id", as: DonorID.self)
            guard let donor = try await donorStats().first(where: { $0.donorID == id }) else {
                throw EngineError.unknown("no donor \(id)")
            }
            return try JSONResponse.make(donor)
        }
        router.get("/v1/stats/hosts") { _, _ in
            try JSONResponse.make(try await hostStats())
        }
        router.get("/v1/stats/hosts/:id") { _, context in
            let id = try context.parameters.require("id", as: HostID.self)
            guard let host = try await hostStats().first(where: { $0.hostID == id }) else {
                throw EngineError.unknown("no host \(id)")
            }
            return try JSONResponse.make(host)
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
            var donors = try await donorStats()
            switch by {
            case "total": break
            case "rac": donors.sort { $0.rac > $1.rac }
            default: throw RequestError.malformed("by must be 'total' or 'rac'")
            }
            return try JSONResponse.make(Leaderboard(by: by, donors: donors))
        }
    }

    private func donorStats() async throws -> [DonorStats] {
        let now = clock()
        return try await store.read { q in try q.donorTotals() }.map {
            DonorStats(donorID: $0.id, name: $0.name, totalCredit: $0.totalCredit, rac: $0.rac.decayed(to: now), hosts: $0.hosts,
                tasks: TaskCounts(valid: $0.valid, invalid: $0.invalid, error: $0.errors, inProgress: $0.inProgress),
                cpuHours: $0.cpuSeconds / 3600, rank: $0.rank)
        }
    }

    private func hostStats() async throws -> [HostStats] {
        let now = clock()
        return try await store.read { q in try q.hostTotals(donor: nil) }.map {
            HostStats(hostID: $0.id, donorID: $0.donorID, name: $0.name, totalCredit: $0.totalCredit, rac: $0.rac.decayed(to: now),
                tasks: TaskCounts(valid: $0.valid, invalid: $0.invalid, error: $0.errors, inProgress: $0.inProgress),
                cpuHours: $0.cpuSeconds / 3600, consecutiveValid: $0.consecutiveValid, lastContact: $0.lastContact, active: $0.active)
        }
    }
}
