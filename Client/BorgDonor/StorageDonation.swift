import Foundation

/// The disk this host lends to the grid's storage, and where it serves its pieces.
public struct StorageDonation: Codable, Sendable, Equatable {
    /// The most the host's pieces may take (never exceeded; the piece store also keeps 1 GiB of the disk free).
    public var capacityBytes: UInt64
    /// `HOST:PORT` the piece server listens on.
    public var listen: String
    /// The URL others reach the piece server at; default `http://LISTEN`.
    public var advertise: String?

    public init(capacityBytes: UInt64, listen: String = "0.0.0.0:7878", advertise: String? = nil) {
        self.capacityBytes = capacityBytes
        self.listen = listen
        self.advertise = advertise
    }

    /// The listening address, split; errors name the flag.
    public func listenAddress() throws(DonorError) -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port),
              colon != listen.startIndex
        else { throw DonorError("--storage-listen must be HOST:PORT, e.g. 0.0.0.0:7878, got '\(listen)'") }
        return (String(listen[..<colon]), port)
    }

    /// The URL announced to the coordinators once the server listens on `port`.
    public func advertisedURL(port: Int) throws(DonorError) -> String {
        if let advertise { return advertise }
        let host = try listenAddress().host
        let reachable = ["0.0.0.0", "::", "[::]"].contains(host) ? ProcessInfo.processInfo.hostName : host
        return "http://\(reachable):\(port)"
    }
}
