import BorgCore
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// Teams: `POST /v1/teams` (any API key creates one; naming a donor as its founder takes the admin key),
/// `POST` and `DELETE /v1/hosts/{id}/team` (a host's donor joins or leaves, under the host's secret). Team
/// statistics are under `/v1/stats/teams`.
struct TeamRoutes {
    let engine: LifecycleEngine
    let auth: Authenticator
    let statistics: ContributionStatistics

    func addRoutes(to router: Router<CoordinatorContext>) {
        router.post("/v1/teams") { request, _ in
            _ = try await auth.scope(request)
            let body = try await JSONResponse.decode(CreateTeamRequest.self, from: request, limit: 64 << 10)
            if body.founder != nil { try await auth.requireAdmin(request) }
            let now = engine.clock()
            let key = try IdempotencyKey.of(request).map { "team/\($0)" }
            let id = try await engine.store.write { q in
                try q.once(key: key, now: now) {
                    try q.createTeam(name: body.name, description: body.description ?? "", founder: body.founder, now: now)
                }
            }
            guard let team = try await statistics.teams().first(where: { $0.teamID == id }) else {
                throw EngineError.unknown("team \(id) was created but is gone")
            }
            return try JSONResponse.make(team, status: .created)
        }
        router.post("/v1/hosts/:host/team") { request, context in
            let host = try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            let body = try await JSONResponse.decode(JoinTeamRequest.self, from: request, limit: 64 << 10)
            try await engine.store.write { q in
                guard let team = try q.team(named: body.name.trimmingCharacters(in: .whitespaces)) else {
                    throw EngineError.unknown("there is no team named '\(body.name.prefix(100))'; see GET /v1/stats/teams")
                }
                try q.setTeam(team, of: host.donorID)
            }
            return try JSONResponse.make(TeamMembership(team: body.name))
        }
        router.delete("/v1/hosts/:host/team") { request, context in
            let host = try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            try await engine.store.write { q in try q.setTeam(nil, of: host.donorID) }
            return try JSONResponse.make(TeamMembership(team: nil))
        }
    }
}
