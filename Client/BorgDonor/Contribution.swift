import BorgAPIClient
import BorgProtocol
import Foundation

/// What this host and its donor have contributed: the coordinator's statistics when it
/// answers (cached in `stats.json`), else the last cached ones plus this host's local counts.
public struct Contribution: Codable, Sendable {
    public var donor: DonorStats?
    public var host: HostStats?
    /// When the coordinator sent `donor` and `host` (seconds since 1970).
    public var fetchedAt: Double?
    /// False when the coordinator could not be reached and this is the offline view.
    public var online: Bool
    /// Tasks this host reported (local count).
    public var localReported: Int
    public var localErrors: Int
    public var localCPUHours: Double
    /// Tasks this host holds now.
    public var localHeld: Int

    /// Fetches the statistics from the coordinator (caching them), or falls back to the cache.
    public static func gather(
        configuration: DonorConfiguration, directory: DataDirectory, state: DonorState, cache: Bool = true
    ) async -> Contribution {
        var contribution = Contribution(
            online: false, localReported: state.reported, localErrors: state.reportedErrors,
            localCPUHours: state.cpuSeconds / 3600, localHeld: state.tasks.count)
        let client = CoordinatorClient(coordinators: configuration.coordinators, credential: configuration.hostSecret, timeout: .seconds(10))
        if let donor = try? await client.donorStats(configuration.donorID), let host = try? await client.hostStats(configuration.hostID) {
            contribution.donor = donor
            contribution.host = host
            contribution.fetchedAt = Date().timeIntervalSince1970
            contribution.online = true
            if cache { try? AtomicFile.writeJSON(contribution, to: directory.statsCache) }
        } else if let cached = try? AtomicFile.readJSON(Contribution.self, from: directory.statsCache) {
            contribution.donor = cached.donor
            contribution.host = cached.host
            contribution.fetchedAt = cached.fetchedAt
        }
        return contribution
    }

    /// The statistics for people, several lines.
    public var text: String {
        var lines: [String] = []
        if !online {
            let when = fetchedAt.map { "last known from \(Date(timeIntervalSince1970: $0).formatted(.iso8601))" } ?? "nothing cached"
            lines.append("(offline: the coordinator did not answer; \(when))")
        }
        if let donor {
            lines.append("donor '\(donor.name)': credit \(Self.number(donor.totalCredit)), RAC \(Self.number(donor.rac)), rank \(donor.rank), \(donor.hosts) host(s)"
                         + (donor.team.map { ", team '\($0)'" } ?? ""))
            lines.append("  tasks valid \(donor.tasks.valid), invalid \(donor.tasks.invalid), error \(donor.tasks.error), in progress \(donor.tasks.inProgress); CPU \(Self.number(donor.cpuHours)) h")
        }
        if let host {
            lines.append("host '\(host.name)' (\(host.hostID)): credit \(Self.number(host.totalCredit)), RAC \(Self.number(host.rac))")
            lines.append("  tasks valid \(host.tasks.valid), invalid \(host.tasks.invalid), error \(host.tasks.error), in progress \(host.tasks.inProgress); CPU \(Self.number(host.cpuHours)) h")
        }
        lines.append("this machine: \(localReported) task(s) reported (\(localErrors) errors), CPU \(Self.number(localCPUHours)) h, \(localHeld) held now")
        return lines.joined(separator: "\n")
    }

    private static func number(_ value: Double) -> String { String(format: value < 10 ? "%.3f" : "%.1f", value) }
}
