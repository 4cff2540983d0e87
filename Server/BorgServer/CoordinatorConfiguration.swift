import BorgCore
import BorgEngine
import BorgHTTP
import Foundation

/// Settings of one coordinator process.
public struct CoordinatorConfiguration: Sendable {
    /// Where the database, blobs and keys live.
    public var dataDirectory: URL
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// How often deadlines are checked and backups issued.
    public var tickInterval: Duration
    public var stragglers: StragglerPolicy
    /// This coordinator's API URL as donors, submitters and other coordinators reach it. Default:
    /// `http://HOST:PORT` of the listening address, with the machine's host name when it listens on all
    /// interfaces.
    public var advertisedURL: String?
    /// Largest JSON request body.
    public var jsonBodyLimit: Int
    /// Largest blob upload.
    public var blobLimit: Int
    /// Most concurrent writes merged into one transaction (1 turns group commit off, for comparison).
    public var writeBatchLimit: Int
    /// Replication with other coordinators; `nil` keeps the store in embedded SQLite.
    public var cluster: ClusterConfiguration?
    /// How long finished batches and unreferenced blobs are kept.
    public var retention: RetentionPolicy
    /// How often the retention policy is applied.
    public var retentionInterval: Duration
    /// Storage donation's timings.
    public var storage: StoragePolicy
    /// How often the leading coordinator collects storage garbage, audits and repairs.
    public var storageInterval: Duration
    /// Pieces of each storage host audited per pass.
    public var storageAuditsPerHost: Int
    /// How long an API connection may move nothing either way, while no answer is being prepared, before it is
    /// closed (``IdleConnectionHandler``): a client that stalls holds no connection longer.
    public var idleTimeout: Duration

    public init(
        dataDirectory: URL, host: String = "127.0.0.1", port: Int = 8080, tickInterval: Duration = .seconds(1),
        stragglers: StragglerPolicy = StragglerPolicy(), advertisedURL: String? = nil,
        jsonBodyLimit: Int = 64 << 20, blobLimit: Int = 256 << 20, writeBatchLimit: Int = 1024, cluster: ClusterConfiguration? = nil,
        retention: RetentionPolicy = RetentionPolicy(), retentionInterval: Duration = .seconds(60),
        storage: StoragePolicy = StoragePolicy(), storageInterval: Duration = .seconds(5), storageAuditsPerHost: Int = 2,
        idleTimeout: Duration = IdleConnectionHandler.defaultTimeout
    ) {
        self.idleTimeout = idleTimeout
        self.storageAuditsPerHost = storageAuditsPerHost
        self.storage = storage
        self.storageInterval = storageInterval
        self.retention = retention
        self.retentionInterval = retentionInterval
        self.writeBatchLimit = writeBatchLimit
        self.cluster = cluster
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.tickInterval = tickInterval
        self.stragglers = stragglers
        self.advertisedURL = advertisedURL
        self.jsonBodyLimit = jsonBodyLimit
        self.blobLimit = blobLimit
    }

    /// `$XDG_DATA_HOME/borg/coordinator`, or `~/.local/share/borg/coordinator`.
    public static var defaultDataDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_DATA_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
        return base.appendingPathComponent("borg/coordinator")
    }

    /// The API URL announced for this coordinator once it listens on `port`.
    func url(port: Int) -> String {
        if let advertisedURL { return advertisedURL }
        let wildcard = ["0.0.0.0", "::", "[::]", ""].contains(host)
        return "http://\(wildcard ? ProcessInfo.processInfo.hostName : host):\(port)"
    }
}
