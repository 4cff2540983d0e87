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

    func addRoutes(to api: APIRouter) {
        api.on(.post, "/v1/teams", "Create a team (naming a founder takes the admin key)", access: .apiKey,
               authorize: { request, _ in try await auth.scope(request) }, body: CreateTeamRequest.self, limit: 64 << 10,
               status: .created, idempotent: true) { request, _, _, body in
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
            return team
        }
        api.on(.post, "/v1/hosts/{host}/team", "The host's donor joins a team", access: .host,
               authorize: { request, context in try await auth.host(request, id: try context.parameters.require("host", as: HostID.self)) },
               body: JoinTeamRequest.self, limit: 64 << 10) { _, _, host, body in
            try await engine.store.write { q in
                guard let name = DisplayName.checked(body.name), let team = try q.team(named: name) else {
                    throw EngineError.unknown("there is no team named '\(body.name.prefix(100))'; see GET /v1/stats/teams")
                }
                try q.setTeam(team, of: host.donorID)
            }
            return TeamMembership(team: body.name)
        }
        api.on(.delete, "/v1/hosts/{host}/team", "The host's donor leaves its team", access: .host) { request, context in
            let host = try await auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            try await engine.store.write { q in try q.setTeam(nil, of: host.donorID) }
            return TeamMembership(team: nil)
        }
    }
}
