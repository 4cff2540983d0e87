import BorgEngine
import Hummingbird

/// One operation of the coordinator's HTTP API, as the router serves it and `/v1/openapi.json` describes
/// it. Built only by ``APIRouter``, which registers the handler with it.
struct APIOperation: Sendable {
    /// What a request carries.
    enum Body: Sendable {
        case none
        /// A JSON value of a decodable type (the router reads it up to the operation's limit).
        case json(schema: @Sendable (SchemaRecorder) throws -> JSONSchema)
        /// Raw bytes (a blob).
        case bytes
    }

    /// What a successful answer carries.
    enum Reply: Sendable {
        case json(schema: @Sendable (SchemaRecorder) throws -> JSONSchema)
        /// No body (204).
        case empty
        /// A body of one of these content types (a blob, a page, metrics, a statistics file).
        case content(types: [String])

        static let html = Reply.content(types: ["text/html; charset=utf-8"])

        var isHTML: Bool {
            if case .content(let types) = self { return types == ["text/html; charset=utf-8"] }
            return false
        }
    }

    let method: HTTPRequest.Method
    /// The path as OpenAPI writes it, `/v1/hosts/{host}/work`.
    let path: String
    let summary: String
    let access: APIAccess
    var body: Body = .none
    var reply: Reply
    var status: HTTPResponse.Status = .ok
    /// Other successful statuses, answered without a body (a blob that was already stored: 200).
    var alsoSucceedsWith: [HTTPResponse.Status] = []
    /// Query parameters (all optional) and their schemas.
    var query: [String: JSONSchema] = [:]
    /// Schemas of path parameters whose name does not say it (see ``pathParameterSchema(_:)``).
    var pathParameters: [String: JSONSchema] = [:]
    /// The operation honours an `Idempotency-Key` header (a retried request gets the first answer).
    var idempotent = false
    /// Error statuses beyond the ones every operation of its kind may answer.
    var errors: [HTTPResponse.Status] = []

    /// The names of the path's `{parameters}`, in order.
    var pathParameterNames: [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    /// The path in Hummingbird's syntax, `/v1/hosts/:host/work`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }

    /// Whether a request path (no query) names this operation's path.
    func matches(path requestPath: Substring) -> Bool {
        let template = path.split(separator: "/")
        let actual = requestPath.split(separator: "/")
        guard template.count == actual.count else { return false }
        return zip(template, actual).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    /// A path parameter's schema: declared, or from its name (`id` and `host` are row ids, `sha` a SHA-256
    /// in hex, `name` a project name).
    func pathParameterSchema(_ name: String) -> JSONSchema {
        if let declared = pathParameters[name] { return declared }
        switch name {
        case "sha": return .string(pattern: "^[0-9a-f]{64}(?![\\s\\S])")
        case "name": return .string(minLength: 1, maxLength: 200, pattern: Naming.pattern)
        default: return .int64
        }
    }

    /// Every status this operation may answer with an error body.
    var errorStatuses: [HTTPResponse.Status] {
        var statuses: [HTTPResponse.Status] = [.notFound, .serviceUnavailable]
        let takesInput: Bool
        if case .none = body { takesInput = !query.isEmpty || !pathParameterNames.isEmpty } else { takesInput = true }
        if takesInput { statuses.append(.badRequest) }
        if case .none = body {} else { statuses.append(.contentTooLarge) }
        if access != .anyone { statuses += [.unauthorized, .forbidden] }
        if method != .get { statuses.append(.conflict) }
        statuses += errors
        return statuses.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }.sorted { $0.code < $1.code }
    }
}
