import ArgumentParser
import BorgCore
import BorgEngine
import BorgProtocol
import BorgServer
import BorgStore
import Foundation

/// `borg-server storage …`: the grid's donated storage.
struct Storage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the grid's storage hosts, files and repair queue; set a donor's quota.", subcommands: [Status.self, Quota.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hosts, capacity, pieces and segments waiting for repair.")

        @OptionGroup var data: DataDirectoryOptions

        @OptionGroup(title: "The timings the server runs with (give the ones given to serve)") var storage: StoragePolicyOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let now = Date().timeIntervalSince1970
            let policy = storage.policy
            let status = try await DataDirectoryStore.read(data.url) { q in try StorageEngine.status(q, policy: policy, now: now) }
            if json { return print(try WireJSON.pretty(status)) }
            print("files: \(status.files), pieces: \(status.pieces), segments to repair: \(status.segmentsToRepair), unreadable: \(status.segmentsUnreadable), default redundancy: \(status.redundancy ?? "none")")
            print("host  name                  donor             online  leaving  pieces  placed MiB  capacity MiB  audits ok  failed  score  unanswered  url")
            for host in status.hosts {
                let unanswered = host.auditsUnansweredSince.map { String(format: "%.0f s", max(0, now - $0)) } ?? "-"
                print(String(format: "%4lld  %-20@  %-16@  %-6@  %-7@  %6d  %10.1f  %12.1f  %9d  %6d  %5.2f  %10@  %@", host.host.rawValue,
                             host.name as NSString, host.donor as NSString, (host.online ? "yes" : "no") as NSString,
                             (host.leaving ? "yes" : "no") as NSString, host.pieces, Double(host.placedBytes) / 1_048_576,
                             Double(host.capacityBytes) / 1_048_576, host.auditsPassed, host.auditsFailed, host.auditScore, unanswered as NSString, host.url as NSString))
            }
        }
    }

    struct Quota: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set how much a donor may store (plaintext bytes), or 'default': what its hosts donate over the expansion.")

        @OptionGroup var data: DataDirectoryOptions

        @Argument(help: "The donor's name.")
        var donor: String

        @Argument(help: "Bytes, e.g. 500GiB, or 'default'.")
        var size: String

        func run() async throws {
            let bytes: Int64?
            if size == "default" {
                bytes = nil
            } else {
                guard let parsed = ByteCount.parse(size), parsed <= UInt64(Int64.max) else {
                    throw ValidationError("size '\(size)' is not a size; write e.g. 500GiB, 20MB or 'default'")
                }
                bytes = Int64(parsed)
            }
            let donor = self.donor
            guard try await DataDirectoryStore.write(data.url, { q in try q.setStorageQuota(donor: donor, bytes: bytes) }) else {
                throw ValidationError("no donor named '\(donor)' (see 'borg-server donor list')")
            }
            print("donor \(donor) may now store \(bytes.map { "\($0) bytes" } ?? "what its hosts donate over the expansion")")
        }
    }
}
