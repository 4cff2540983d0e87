import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation

extension StorageEngine {
    /// What the grid can store and what the host's donor stores.
    public func space(host: HostRecord) async throws -> StorageSpace {
        let now = clock()
        let files = try await list(host: host)
        return try await store.read { [self] q in
            let hosts = try q.storageHosts().filter { $0.active }
            let candidates = candidates(hosts, now: now)
            let redundancy = Redundancy.defaults(storageHosts: candidates.count)
            let free = Self.total(candidates.map(\.freeBytes))
            return StorageSpace(
                storageHosts: candidates.count, capacityBytes: Self.total(hosts.map(\.capacity)),
                usedBytes: Self.total(hosts.map(\.placedBytes)), redundancy: redundancy?.description,
                availableBytes: redundancy.map { Int64(Double(free) / $0.expansion) } ?? 0,
                donorStoredBytes: try q.storedBytes(donor: host.donorID),
                donorQuotaBytes: try quota(donor: host.donorID, hosts: hosts, redundancy: redundancy, q), files: files)
        }
    }

    /// The sum of sizes hosts declared, saturating instead of trapping (each may claim up to 2^50 bytes).
    static func total(_ sizes: [Int64]) -> Int64 {
        sizes.reduce(Int64(0)) { sum, size in
            let (result, overflow) = sum.addingReportingOverflow(size)
            return overflow ? .max : result
        }
    }

    /// The grid's storage hosts, files and segments that need repair.
    public func status() async throws -> StorageStatus {
        let now = clock()
        return try await store.read { [policy] q in try Self.status(q, policy: policy, now: now) }
    }

    /// The grid's storage as the store records it at `now` (also read by `borg-server storage status`).
    public static func status(_ q: StoreQueries, policy: StoragePolicy, now: Double) throws -> StorageStatus {
        let hosts = try q.storageHosts().filter { $0.active }
        let counts = try q.storageCounts()
        let online = Set(hosts.filter { policy.isOnline($0, now: now) }.map(\.host))
        var toRepair = 0, unreadable = 0
        for file in try q.allStoredFiles() {
            let perSegment = try Self.piecesPerSegment(file, q, online: online)
            toRepair += perSegment.filter { $0 < file.dataPieces + file.parityPieces }.count
            unreadable += perSegment.filter { $0 < file.dataPieces }.count
        }
        return StorageStatus(
            hosts: hosts.map {
                StorageHostStatus(host: $0.host, name: $0.name, donor: $0.donorName, url: $0.url, capacityBytes: $0.capacity,
                                  placedBytes: $0.placedBytes, pieces: $0.pieces, online: online.contains($0.host),
                                  leaving: $0.leaving, seenAt: $0.seenAt, auditsPassed: $0.auditsPassed, auditsFailed: $0.auditsFailed,
                                  auditScore: $0.auditScore, auditsUnansweredSince: $0.auditUnansweredSince)
            },
            files: counts.files, pieces: counts.pieces, segmentsToRepair: toRepair, segmentsUnreadable: unreadable,
            redundancy: Redundancy.defaults(storageHosts: online.count)?.description)
    }
}
