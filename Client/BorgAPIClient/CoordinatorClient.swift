import AsyncHTTPClient
import BorgProtocol
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client of the coordinator API (`/v1`), shared by `borg-submit`, `borg-client`, tests and benchmarks.
///
/// Knows several coordinators and fails over to the next one when a connection fails; learns the
/// current list from replies that carry one.
public final class CoordinatorClient: @unchecked Sendable {
    private let lock = NSLock()
    private var urls: [String]
    /// Bearer credential: an API key, or a host secret.
    public let credential: String?
    let http: HTTPClient
    let timeout: TimeAmount

    /// The HTTP client every ``CoordinatorClient`` shares unless given another. A refused or timed-out
    /// connection fails at once (AsyncHTTPClient's default retries it until the request's deadline),
    /// so a dead coordinator costs a failed attempt, not the whole timeout, before the next one is tried.
    /// Up to 64 connections per coordinator: in a grid every host of a process talks to the leader, and a
    /// request waiting for a pooled connection fails after the connect timeout.
    public static let sharedHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(3)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(coordinators: [String], credential: String? = nil, http: HTTPClient = CoordinatorClient.sharedHTTP,
                timeout: TimeAmount = .seconds(60)) {
        self.urls = coordinators.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.credential = credential
        self.http = http
        self.timeout = timeout
    }

    /// The coordinators this client knows, preferred first.
    public var coordinators: [String] {
        lock.lock()
        defer { lock.unlock() }
        return urls
    }

    /// Most coordinator URLs remembered.
    static let maxKnownCoordinators = 16

    /// Adopts a coordinator list from a reply, in its order (a grid lists its leading coordinator first,
    /// which takes writes without forwarding them), and keeps the others it knew behind them: a reply
    /// sent while a coordinator restarts on a new address may list only addresses that are gone.
    public func learn(_ coordinators: [String]) {
        guard !coordinators.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        var merged: [String] = []
        for url in coordinators.map({ $0.hasSuffix("/") ? String($0.dropLast()) : $0 }) + urls where !merged.contains(url) {
            merged.append(url)
        }
        urls = Array(merged.prefix(Self.maxKnownCoordinators))
    }

    private func prefer(_ index: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard index < urls.count else { return }
        let url = urls.remove(at: index)
        urls.insert(url, at: 0)
    }

    /// Sends a request; returns the status and body. Connection failures, and 503 answers (a coordinator
    /// without quorum), move on to the next coordinator; the last 503 is returned if all give one.
    /// A request that changes state carries an `Idempotency-Key` (a new one unless `headers` has one),
    /// the same on every coordinator tried, so that a retry never repeats its effects.
    public func raw(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String = "application/json",
                    headers: [(String, String)] = [])
        async throws -> (status: Int, body: Data)
    {
        var headers = headers
        if method != .GET && method != .HEAD && !headers.contains(where: { $0.0.lowercased() == "idempotency-key" }) {
            headers.append(("Idempotency-Key", UUID().uuidString))
        }
        let candidates = coordinators
        var lastError: (any Error)?
        var unavailable: (status: Int, body: Data)?
        for (index, base) in candidates.enumerated() {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let credential { request.headers.add(name: "Authorization", value: "Bearer \(credential)") }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.headers.add(name: "Content-Type", value: contentType)
                request.body = .bytes(ByteBuffer(data: body))
            }
            do {
                let response = try await http.execute(request, timeout: timeout)
                let buffer = try await response.body.collect(upTo: 1 << 30)
                if response.status == .serviceUnavailable {
                    unavailable = (503, Data(buffer: buffer))
                    continue
                }
                if index > 0 { prefer(index) }
                return (Int(response.status.code), Data(buffer: buffer))
            } catch {
                lastError = error
            }
        }
        if let unavailable { return unavailable }
        throw APIClientError(status: nil,
            reason: "no coordinator answered (\(candidates.joined(separator: ", "))): \(lastError.map { "\($0)" } ?? "none configured"); is borg-server running?")
    }

    /// Sends JSON and decodes a JSON answer; a 4xx/5xx becomes ``APIClientError`` with the server's reason.
    public func call<Body: Encodable, Response: Decodable>(
        _ method: HTTPMethod, _ path: String, _ body: Body, as type: Response.Type = Response.self,
        headers: [(String, String)] = []
    ) async throws -> Response {
        try await send(method, path, try JSONEncoder().encode(body), headers: headers)
    }

    /// Sends a request without a body and decodes a JSON answer.
    public func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, as type: Response.Type = Response.self)
        async throws -> Response
    {
        try await send(method, path, nil)
    }

    private func send<Response: Decodable>(_ method: HTTPMethod, _ path: String, _ data: Data?,
                                           headers: [(String, String)] = []) async throws -> Response {
        let (status, reply) = try await raw(method, path, body: data, headers: headers)
        try Self.check(status, reply)
        do {
            return try JSONDecoder().decode(Response.self, from: reply)
        } catch {
            throw APIClientError(status: status, reason: "unexpected reply to \(method) \(path): \(error)")
        }
    }

    static func check(_ status: Int, _ body: Data) throws {
        guard status >= 400 else { return }
        let reason = (try? JSONDecoder().decode(APIErrorBody.self, from: body))?.error
            ?? String(decoding: body.prefix(500), as: UTF8.self)
        throw APIClientError(status: status, reason: reason)
    }
}
