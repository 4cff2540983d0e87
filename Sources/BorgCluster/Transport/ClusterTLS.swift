import NIOCore
import NIOSSL

/// The TLS of the cluster link: TLS 1.3 only, both sides present the cluster certificate, and each admits the
/// other only if its certificate carries the cluster's public key (pinned; no certificate authority, names or
/// dates are involved).
struct ClusterTLS: Sendable {
    /// The ALPN protocol of a member's HTTP request carried over the link (``ClusterHTTPTunnels``); a
    /// connection that names none is for the dqlite node.
    static let httpProtocol = "http/1.1"

    private let serverContext: NIOSSLContext
    private let clientContext: NIOSSLContext
    private let httpClientContext: NIOSSLContext
    private let pinnedKey: [UInt8]

    init(_ credentials: ClusterCredentials) throws {
        let certificate = try NIOSSLCertificate(bytes: credentials.certificateDER, format: .der)
        let key = try NIOSSLPrivateKey(bytes: credentials.privateKeyDER, format: .der)
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = [.certificate(certificate)]
        client.privateKey = .privateKey(key)
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)],
                                                              privateKey: .privateKey(key))
        server.applicationProtocols = [Self.httpProtocol]
        serverContext = try NIOSSLContext(configuration: Self.mutual(server, trusting: certificate))
        clientContext = try NIOSSLContext(configuration: Self.mutual(client, trusting: certificate))
        client.applicationProtocols = [Self.httpProtocol]
        httpClientContext = try NIOSSLContext(configuration: Self.mutual(client, trusting: certificate))
        pinnedKey = credentials.publicKeyDER
    }

    /// `configuration` limited to TLS 1.3 and requiring the peer's certificate, which `verify` alone checks (the
    /// trust roots, set to avoid loading the system's, are never consulted).
    private static func mutual(_ configuration: TLSConfiguration, trusting certificate: NIOSSLCertificate) -> TLSConfiguration {
        var configuration = configuration
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates([certificate])
        return configuration
    }

    /// The handler that accepts a member's connection.
    func serverHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: serverContext, customVerificationCallback: verify)
    }

    /// The handler that opens a connection to a member: to its dqlite node, or with `http` to its HTTP API.
    func clientHandler(http: Bool = false) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: http ? httpClientContext : clientContext, serverHostname: nil,
                                customVerificationCallback: verify)
    }

    /// Admits a peer whose leaf certificate carries the cluster's public key; BoringSSL checks that the peer
    /// signed the handshake with the matching private key.
    private func verify(_ chain: [NIOSSLCertificate], _ result: EventLoopPromise<NIOSSLVerificationResult>) {
        let presented = chain.first.flatMap { try? $0.extractPublicKey().toSPKIBytes() }
        result.succeed(presented == pinnedKey ? .certificateVerified : .failed)
    }
}
