import BorgCore
import BorgEngine
import BorgStore
import Foundation
import Hummingbird

/// Who may do what: the admin key (everything), submitter keys (their project), host secrets (their host).
///
/// Credentials arrive as `Authorization: Bearer <secret>`. Successful look-ups are cached for
/// ``cacheSeconds``, so a revoked key, token or host is refused by every coordinator within seconds.
final class Authenticator: @unchecked Sendable {
    /// How long a successful look-up is trusted without asking the store again.
    static let cacheSeconds: TimeInterval = 2

    /// What an API key allows.
    enum Scope: Equatable {
        case admin
        case project(ProjectID)
    }

    let store: Store
    private let lock = NSLock()
    private var hosts: [HostID: (record: HostRecord, at: Date)] = [:]
    private var keys: [String: (scope: Scope, at: Date)] = [:]

    init(store: Store) { self.store = store }

    static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.hasPrefix("Bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// The host named in the path, if the request carries its secret.
    func host(_ request: Request, id: HostID) async throws -> HostRecord {
        guard let secret = Self.bearer(request) else {
            throw AccessError.missingCredential("missing 'Authorization: Bearer <host secret>'")
        }
        var record = cachedHost(id)
        if record == nil {
            record = try await store.read { q in try q.host(id) }
            if let record { cache(record) }
        }
        guard let record else { throw EngineError.unknown("host \(id) is not enrolled; enroll it with a donor's token") }
        guard Secret.hash(secret) == record.secretHash else { throw AccessError.denied("wrong secret for host \(id)") }
        guard record.active else { throw AccessError.denied("host \(id) has left the grid; enroll it again to rejoin") }
        return record
    }

    /// The scope of the request's API key.
    func scope(_ request: Request) async throws -> Scope {
        guard let key = Self.bearer(request) else {
            throw AccessError.missingCredential("missing 'Authorization: Bearer <API key>' (set --api-key or BORG_API_KEY)")
        }
        if let cached = lock.withLock({ keys[key] }), Date().timeIntervalSince(cached.at) < Self.cacheSeconds { return cached.scope }
        guard let found = try await store.read({ q in try q.apiKeyScope(key) }) else {
            throw AccessError.missingCredential("unknown API key")
        }
        let scope: Scope = found.map { .project($0) } ?? .admin
        lock.withLock { keys[key] = (scope, Date()) }
        return scope
    }

    func requireAdmin(_ request: Request) async throws {
        guard try await scope(request) == .admin else { throw AccessError.denied("this needs the admin key") }
    }

    /// Checks the request's key may use `project`.
    func require(_ request: Request, project: ProjectRecord) async throws {
        switch try await scope(request) {
        case .admin: return
        case .project(let id) where id == project.id: return
        case .project: throw AccessError.denied("this API key is not for project '\(project.name)'")
        }
    }

    /// Checks the credential a state-changing request's route will ask for, without reading the body:
    /// a host's secret under `/v1/hosts/{id}/`, an API key elsewhere (whether it may use the project is
    /// the route's to decide); enrollment carries its token in its small body. For a follower, before it
    /// reads a body to forward.
    func precheck(_ request: Request) async throws {
        let parts = request.uri.path.split(separator: "/")
        if parts.count >= 3, parts[1] == "hosts" {
            guard parts[2] != "enroll" else { return }
            guard let id = HostID(String(parts[2])) else { throw EngineError.unknown("no host '\(parts[2].prefix(40))'") }
            _ = try await host(request, id: id)
        } else {
            _ = try await scope(request)
        }
    }

    /// Forgets a host (it retired); its next request reloads it.
    func forget(host id: HostID) {
        lock.withLock { hosts[id] = nil }
    }

    private func cachedHost(_ id: HostID) -> HostRecord? {
        lock.withLock {
            guard let cached = hosts[id], Date().timeIntervalSince(cached.at) < Self.cacheSeconds else { return nil }
            return cached.record
        }
    }

    private func cache(_ record: HostRecord) {
        lock.withLock { hosts[record.id] = (record, Date()) }
    }
}
