import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation

/// Storage donation's metadata, applied to the store: hosts that offer storage, files and where their pieces
/// are, and the orders that let clients move pieces to and from hosts directly (the coordinator is never on
/// the data path). Placement rules and redundancy are BorgStorage's; the store saves what they decided.
public final class StorageEngine: Sendable {
    public let store: Store
    public let policy: StoragePolicy
    /// Signs the orders hosts honour; every coordinator of a grid has the same key.
    public let signer: OrderSigner
    /// Seconds since 1970 (tests may move time).
    public let clock: @Sendable () -> Double

    public init(store: Store, signer: OrderSigner, policy: StoragePolicy = StoragePolicy(),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.signer = signer
        self.policy = policy
        self.clock = clock
    }

    /// Records a host's storage offer; answers with the keys its orders are signed with.
    public func register(host: HostRecord, _ offer: StorageRegistration) async throws -> StorageRegistrationResponse {
        guard let url = URL(string: offer.url), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, offer.url.unicodeScalars.count <= 512 else {
            throw EngineError.invalid("url must be the http:// address where the host serves its pieces, got '\(offer.url.prefix(80))'")
        }
        guard (0...(1 << 50)).contains(offer.capacityBytes), (0...(1 << 50)).contains(offer.usedBytes) else {
            throw EngineError.invalid("capacityBytes and usedBytes must be between 0 and 2^50")
        }
        let now = clock()
        try await store.write { q in
            try q.registerStorage(host: host.id, url: offer.url, capacity: offer.capacityBytes, used: offer.usedBytes,
                                  leaving: offer.leaving, now: now)
        }
        let (placed, toMove) = try await store.read { q in
            (try q.pieceCount(host: host.id), offer.leaving ? try q.piecesToMove(host: host.id) : 0)
        }
        return StorageRegistrationResponse(orderKeys: [signer.publicKey], pieces: placed, piecesToMove: toMove)
    }

    /// Storage hosts that take new pieces now: online, not leaving, answering their audits.
    func candidates(_ hosts: [StorageHostRecord], now: Double) -> [StorageCandidate] {
        hosts.filter { isOnline($0, now: now) && !$0.leaving && !isUnanswering($0, now: now) }.map {
            StorageCandidate(host: $0.host.rawValue, donor: $0.donor.rawValue, freeBytes: max(0, $0.capacity - $0.placedBytes),
                             trusted: StoragePolicy.auditsInGoodStanding($0))
        }
    }

    func isOnline(_ host: StorageHostRecord, now: Double) -> Bool { policy.isOnline(host, now: now) }

    /// The donor's quota: what its hosts donate divided by the expansion of the grid's redundancy, unless the
    /// admin set one.
    func quota(donor: DonorID, hosts: [StorageHostRecord], redundancy: Redundancy?, _ q: StoreQueries) throws -> Int64 {
        if let set = try q.storageQuota(donor: donor) { return set }
        guard let redundancy else { return 0 }
        let donated = Self.total(hosts.filter { $0.donor == donor && $0.active }.map(\.capacity))
        return Int64(Double(donated) / redundancy.expansion)
    }

    /// An order for `host` on the pieces of `file` (which has `segments` segments of `pieces` pieces).
    func order(file: String, segments: Int, pieces: Int, host: HostID, actions: [PieceAction], maxPieceBytes: Int, now: Double) -> String {
        signer.sign(PieceOrder(fileID: file, host: host.rawValue, actions: actions, maxPieceBytes: maxPieceBytes,
                               expires: now + policy.orderLifetime, segments: segments, pieces: pieces))
    }

    /// Bytes of each piece of segment `segment`: the segment's sealed bytes over k, rounded up.
    static func pieceSize(file: StoredFileRecord, segment: Int) -> Int64 {
        let plain = min(Int64(file.segmentSize), file.size - Int64(segment) * Int64(file.segmentSize))
        let sealed = max(0, plain) + Int64(SegmentCipher.overhead)
        return (sealed + Int64(file.dataPieces) - 1) / Int64(file.dataPieces)
    }
}
