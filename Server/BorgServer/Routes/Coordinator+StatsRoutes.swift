import BorgCore
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

extension Coordinator {
    /// Contribution statistics are public, like BOINC's leaderboards.
    func addStatsRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/stats/donors") { _, _ in
            try JSONResponse.make(try await self.donorStats())
        }
        router.get("/v1/stats/donors/:id") { _, context in
            let id = try context.parameters.require("id", as: DonorID.self)
            guard let donor = try await self.donorStats().first(where: { $0.donorID == id }) else {
                throw APIError.notFound("no donor \(id)")
            }
            return try JSONResponse.make(donor)
        }
        router.get("/v1/stats/hosts") { _, _ in
            try JSONResponse.make(try await self.hostStats(donor: nil))
        }
        router.get("/v1/stats/hosts/:id") { _, context in
            let id = try context.parameters.require("id", as: HostID.self)
            guard let host = try await self.hostStats(donor: nil).first(where: { $0.hostID == id }) else {
                throw APIError.notFound("no host \(id)")
            }
            return try JSONResponse.make(host)
        }
        router.get("/v1/stats/projects") { _, _ in
            let totals = try await self.store.read { q in try q.projectTotals() }
            return try JSONResponse.make(totals.map {
                ProjectStats(project: $0.name, workUnits: $0.workUnits, completed: $0.completed, failed: $0.failed,
                    tasksUnsent: $0.tasksUnsent, tasksInProgress: $0.tasksInProgress, creditGranted: $0.creditGranted)
            })
        }
        router.get("/v1/stats/leaderboard") { request, _ in
            let by = request.uri.queryParameters.get("by") ?? "total"
            var donors = try await self.donorStats()
            switch by {
            case "total": break
            case "rac": donors.sort { $0.rac > $1.rac }
            default: throw APIError.badRequest("by must be 'total' or 'rac'")
            }
            return try JSONResponse.make(Leaderboard(by: by, donors: donors))
        }
    }

    func donorStats() async throws -> [DonorStats] {
        let now = engine.clock()
        return try await store.read { q in try q.donorTotals() }.map {
            DonorStats(donorID: $0.id, name: $0.name, totalCredit: $0.totalCredit, rac: $0.rac.decayed(to: now), hosts: $0.hosts,
                tasks: TaskCounts(valid: $0.valid, invalid: $0.invalid, error: $0.errors, inProgress: $0.inProgress),
                cpuHours: $0.cpuSeconds / 3600, rank: $0.rank)
        }
    }

    func hostStats(donor: DonorID?) async throws -> [HostStats] {
        let now = engine.clock()
        return try await store.read { q in try q.hostTotals(donor: donor) }.map {
            HostStats(hostID: $0.id, donorID: $0.donorID, name: $0.name, totalCredit: $0.totalCredit, rac: $0.rac.decayed(to: now),
                tasks: TaskCounts(valid: $0.valid, invalid: $0.invalid, error: $0.errors, inProgress: $0.inProgress),
                cpuHours: $0.cpuSeconds / 3600, consecutiveValid: $0.consecutiveValid, lastContact: $0.lastContact, active: $0.active)
        }
    }
}
