import Synchronization

/// Where this process's HTTP API listens, for members that reach it through the cluster link (the gateway
/// splices their HTTP connections there). Unset until the API serves; a member's HTTP connection before then
/// is closed.
public final class ClusterHTTPEndpoint: Sendable {
    private let target = Mutex<(host: String, port: Int)?>(nil)

    public init() {}

    /// The API now listens on `host`:`port` (a wildcard listen address is reached on loopback).
    public func serve(host: String, port: Int) {
        let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host
        target.withLock { $0 = (reachable, port) }
    }

    var address: (host: String, port: Int)? { target.withLock { $0 } }
}
