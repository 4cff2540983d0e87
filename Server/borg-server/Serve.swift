import ArgumentParser
import BorgCore
import BorgEngine
import BorgServer
import Foundation
import Logging

/// `borg-server [serve] [--data-dir DIR] [--listen HOST:PORT]`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the coordinator until SIGTERM or SIGINT.")

    @OptionGroup var data: DataDirectoryOptions

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("This coordinator's URL as donors, submitters and other coordinators reach it (default: http://HOST:PORT of --listen).",
                               valueName: "URL"))
    var advertise: String?

    @Option(help: "Seconds between deadline and straggler checks.")
    var tick = 1.0

    @Option(help: "Seconds a task must run before it may get a backup.")
    var stragglerMinimum = 30.0

    @Option(help: ArgumentHelp("Most concurrent writes merged into one transaction (1 = no group commit).", visibility: .hidden))
    var writeBatch = 1024

    @Option(help: "Write the bound port to this file once listening (for scripts and tests).")
    var portFile: String?

    @Option(help: ArgumentHelp("Seconds a finished batch's work units, tasks and outputs are kept after its results were collected.",
                               valueName: "seconds"))
    var purgeCollectedAfter = RetentionPolicy().afterCollection

    @Option(help: ArgumentHelp("Seconds a finished batch is kept when its results are never collected.", valueName: "seconds"))
    var purgeFinishedAfter = RetentionPolicy().afterFinish

    @Option(help: ArgumentHelp("Seconds an uploaded blob nothing refers to is kept.", valueName: "seconds"))
    var blobGrace = RetentionPolicy().unreferencedBlob

    @Option(help: ArgumentHelp("Seconds between retention passes.", visibility: .hidden))
    var retentionInterval = 60.0

    @OptionGroup var storage: StoragePolicyOptions

    @Option(help: ArgumentHelp("Seconds between storage passes (garbage pieces, abandoned uploads, audits, repair).", visibility: .hidden))
    var storageInterval = 5.0

    @Option(help: ArgumentHelp("Pieces of each storage host audited per storage pass.", visibility: .hidden))
    var storageAudits = 2

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        guard HostPort(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535, got '\(listen)'")
        }
        if let advertise, URL(string: advertise)?.host == nil || !(advertise.hasPrefix("http://") || advertise.hasPrefix("https://")) {
            throw ValidationError("--advertise must be an http:// or https:// URL, got '\(advertise)'")
        }
        guard tick > 0 else { throw ValidationError("--tick must be a positive number of seconds") }
        for (flag, value) in [("--purge-collected-after", purgeCollectedAfter), ("--purge-finished-after", purgeFinishedAfter),
                              ("--blob-grace", blobGrace)] where !(value.isFinite && value >= 0 && value <= 100 * 365 * 86_400) {
            throw ValidationError("\(flag) must be a number of seconds from 0 to 100 years, got \(value)")
        }
        for (flag, value) in [("--retention-interval", retentionInterval), ("--storage-interval", storageInterval)]
        where !(value > 0 && value <= 86_400) {
            throw ValidationError("\(flag) must be from 0 to 86400 seconds, got \(value)")
        }
        guard (0...1_000).contains(storageAudits) else { throw ValidationError("--storage-audits must be from 0 to 1000, got \(storageAudits)") }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        guard let address = HostPort(listen) else { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        let (host, port) = (address.host, address.port)
        var logger = Logger(label: "borg-server")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let configuration = CoordinatorConfiguration(
            dataDirectory: data.url, host: host, port: port, tickInterval: .milliseconds(Int(tick * 1000)),
            stragglers: StragglerPolicy(minimumSeconds: stragglerMinimum),
            advertisedURL: advertise.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }, writeBatchLimit: max(1, writeBatch),
            cluster: try cluster.configuration(),
            retention: RetentionPolicy(afterCollection: purgeCollectedAfter, afterFinish: purgeFinishedAfter, unreferencedBlob: blobGrace),
            retentionInterval: .milliseconds(Int(retentionInterval * 1000)),
            storage: storage.policy,
            storageInterval: .milliseconds(Int(storageInterval * 1000)), storageAuditsPerHost: storageAudits)
        let coordinator: Coordinator
        do {
            coordinator = try await Coordinator(configuration: configuration, logger: logger)
        } catch {
            throw ValidationError("cannot open the data directory \(data.url.path): \(error)")
        }
        let bootstrap = coordinator.bootstrap
        if bootstrap.created {
            print("First start: created an admin key\(bootstrap.createdFirstDonor ? " and the donor 'default'" : "").")
            print("  admin key:         \(bootstrap.adminKeyFile.path)")
            if bootstrap.createdFirstDonor { print("  enrollment token:  \(bootstrap.enrollmentTokenFile.path)") }
        }
        print("Data directory: \(data.url.path)")
        let portFile = self.portFile
        try await coordinator.run { bound in
            print("borg-server listening on http://\(host):\(bound) (queue: \(coordinator.queueDepth) unsent tasks)")
            fflush(nil)
            if let portFile { try? "\(bound)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
        }
        print("borg-server stopped cleanly.")
    }
}
