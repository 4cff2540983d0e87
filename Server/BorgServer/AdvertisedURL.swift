import Foundation

/// This coordinator's API URL as donors, submitters and other coordinators reach it: known once the
/// server listens (the configured port may be 0).
final class AdvertisedURL: @unchecked Sendable {
    private let configuration: CoordinatorConfiguration
    private let lock = NSLock()
    private var port: Int?

    init(_ configuration: CoordinatorConfiguration) { self.configuration = configuration }

    /// Records the port actually bound.
    func listening(on port: Int) { lock.withLock { self.port = port } }

    /// The URL, once the server listens.
    var url: String? { lock.withLock { port }.map(configuration.url(port:)) }

    /// The URL with the configured port, for replies sent before the server listens.
    var configuredURL: String { configuration.url(port: configuration.port) }
}
