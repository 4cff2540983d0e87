import Hummingbird

/// Who may call an operation: the credential it needs in `Authorization: Bearer …`. The router refuses a
/// request without one (401) before the route runs; the route checks that the credential is the right one.
enum APIAccess: Sendable, CaseIterable {
    /// Anyone: health, the document, statistics, the dashboard, blobs by hash, enrollment (its token is
    /// in the body).
    case anyone
    /// The admin key or a project's submitter key.
    case apiKey
    /// The admin key.
    case admin
    /// The secret of the host named in the path.
    case host
    /// The grid's cluster secret.
    case cluster

    /// The OpenAPI security scheme, `nil` for ``anyone``.
    var scheme: String? {
        switch self {
        case .anyone: return nil
        case .apiKey: return "apiKey"
        case .admin: return "admin"
        case .host: return "host"
        case .cluster: return "cluster"
        }
    }

    /// What the credential is, for the document and for a 401's reason.
    var credential: String {
        switch self {
        case .anyone: return "nothing"
        case .apiKey: return "the admin key or the project's submitter key"
        case .admin: return "the admin key"
        case .host: return "the host secret from enrollment"
        case .cluster: return "the grid's cluster secret"
        }
    }

    /// Throws 401 when the operation needs a credential and the request carries none.
    func requireCredential(in request: Request) throws {
        guard self != .anyone, Authenticator.bearer(request) == nil else { return }
        throw AccessError.missingCredential("missing 'Authorization: Bearer <…>': \(request.method) \(request.uri.path) needs \(credential)")
    }
}
