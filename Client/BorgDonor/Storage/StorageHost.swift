import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation
import BorgStorage

/// The host's storage donation while the daemon runs: the piece store in `DATA/storage/pieces`, the piece
/// server others upload to and read from, and the offer renewed with the coordinators (which answers with the
/// keys orders are signed with). A host whose offer lapses is counted offline, and its pieces as at risk.
public actor StorageHost {
    let store: PieceStore
    let keys: OrderKeys
    let donation: StorageDonation
    let client: CoordinatorClient
    let host: HostID
    let log: @Sendable (String) -> Void
    /// Seconds between offers.
    let offerInterval: Double
    /// Seconds between inventories (``inventoryIfDue(now:)``).
    let inventoryInterval: Double
    private var service: PieceService?
    private var url: String?
    private var lastOffer = -Double.infinity
    private var nextInventory: Double?
    private var inventory: Task<Void, Never>?

    public init(directory: DataDirectory, donation: StorageDonation, host: HostID, client: CoordinatorClient, offerInterval: Double = 10,
                inventoryInterval: Double = 3_600, log: @escaping @Sendable (String) -> Void) throws {
        store = try PieceStore(directory: directory.pieces, capacity: Int64(clamping: donation.capacityBytes))
        keys = try OrderKeys(host: host.rawValue)
        self.donation = donation
        self.client = client
        self.host = host
        self.offerInterval = offerInterval
        self.inventoryInterval = inventoryInterval
        self.log = log
    }

    /// Starts the piece server; returns once it listens. A host `leaving` refuses new pieces from the start.
    public func start(leaving: Bool = false) async throws {
        LargeBuffers.configure()
        if leaving { store.refuseNewPieces() }
        let (address, port) = try donation.listenAddress()
        let service: PieceService
        do {
            service = try await PieceService(PieceServer(store: store, keys: keys, host: address, port: port), log: log)
        } catch {
            throw DonorError("--storage-listen: cannot serve pieces on \(donation.listen); is the port taken?")
        }
        self.service = service
        url = try donation.advertisedURL(port: service.port)
        log("serving up to \(CapParser.format(bytes: donation.capacityBytes)) of pieces at \(url ?? "?") (\(store.pieceCount) held, \(CapParser.format(bytes: UInt64(store.usedBytes))) used)")
    }

    /// Renews the offer with the coordinators when due (and learns the order keys); false if none answered.
    @discardableResult
    public func offerIfDue(now: Double, leaving: Bool = false) async -> Bool {
        guard let url, now - lastOffer >= offerInterval else { return true }
        do {
            let reply = try await client.registerStorage(host: host, StorageRegistration(
                url: url, capacityBytes: store.capacity, usedBytes: store.usedBytes, leaving: leaving))
            try keys.update(reply.orderKeys)
            lastOffer = now
            return true
        } catch {
            log("storage offer failed: \(error)")
            return false
        }
    }

    /// Starts taking stock (``takeStock(now:)``) when due, in a task of its own: a host with many pieces takes a
    /// while, and the daemon's offers and heartbeats go on meanwhile. The first one comes at a random point of
    /// the first interval, so hosts started together do not take stock together.
    public func inventoryIfDue(now: Double) {
        guard service != nil, inventory == nil else { return }
        let due = nextInventory ?? now + Double.random(in: 0..<inventoryInterval)
        nextInventory = due
        guard now >= due else { return }
        nextInventory = now + inventoryInterval
        inventory = Task {
            await takeStock(now: now)
            inventory = nil
        }
    }

    /// Lists every piece held to the coordinators, a page at a time, and deletes those of each page they say no
    /// file of the grid places here and that were stored longer ago than the grace they give (pieces moved
    /// away, put back after they were collected, or of a grid served before). Returns how many it deleted.
    @discardableResult
    func takeStock(now: Double) async -> Int {
        var deleted = 0
        var freed: Int64 = 0
        do {
            let held = store.pieces()
            for start in stride(from: 0, to: held.count, by: PieceInventory.limit) {
                try Task.checkCancellation()
                let page = held[start..<min(start + PieceInventory.limit, held.count)]
                let answer = try await client.checkInventory(host: host, PieceInventory(pieces: page.map(\.description)))
                guard answer.graceSeconds.isFinite, answer.graceSeconds >= 0 else {
                    throw DonorError("the coordinator answered a grace of \(answer.graceSeconds) s")
                }
                let listed = Dictionary(page.map { ($0.description, $0) }, uniquingKeysWith: { first, _ in first })
                for piece in answer.unknown.compactMap({ listed[$0] }) {
                    let size = store.size(of: piece) ?? 0
                    if try store.delete(piece, storedBefore: now - answer.graceSeconds) {
                        deleted += 1
                        freed += size
                    }
                }
            }
        } catch {
            log("storage inventory stopped: \(error)")
        }
        if deleted > 0 {
            log("deleted \(deleted) piece(s) (\(CapParser.format(bytes: UInt64(freed)))) that no file of the grid places on this host")
        }
        return deleted
    }

    /// Leaves gracefully: the host takes no new pieces and keeps serving while the leading coordinator copies
    /// every piece of a stored file it holds to other hosts; returns once none is left here (pieces of uploads
    /// not committed are not waited for: the grid rebuilds them if their upload commits). Throws, having
    /// deleted nothing, when no piece moved for `stallTimeout` seconds (the grid lacks hosts or room).
    public func leave(stallTimeout: Double = 300, progress: Bool = true) async throws {
        guard let url else { throw DonorError("the piece server is not running; cannot hand pieces over") }
        store.refuseNewPieces()
        var remaining = Int.max
        var lastMove = Date()
        var bar: TransferProgress?
        while true {
            let reply: StorageRegistrationResponse
            do {
                reply = try await client.registerStorage(host: host, StorageRegistration(
                    url: url, capacityBytes: store.capacity, usedBytes: store.usedBytes, leaving: true))
            } catch {
                throw DonorError("the coordinator did not answer while pieces were moving (\(error)); nothing was deleted. Retry, or use --force")
            }
            try keys.update(reply.orderKeys)
            if bar == nil, progress, reply.piecesToMove > 0 {
                bar = TransferProgress("moving \(reply.piecesToMove) pieces to other hosts", total: Int64(reply.piecesToMove), always: true)
            }
            if reply.piecesToMove < remaining {
                if remaining != Int.max { bar?.advance(Int64(remaining - reply.piecesToMove)) }
                remaining = reply.piecesToMove
                lastMove = Date()
            }
            if remaining == 0 { break }
            guard Date().timeIntervalSince(lastMove) < stallTimeout else {
                throw DonorError("\(remaining) piece(s) could not be moved in \(Int(stallTimeout)) s: the grid has too few other storage hosts or too little room. Nothing was deleted; retry later, or use --force (the grid then rebuilds them from other pieces)")
            }
            try await Task.sleep(for: .seconds(1))
        }
        bar?.finish()
    }

    /// Applies a changed cap (pieces already held stay; new ones are refused while above it).
    public func update(capacity: UInt64) {
        store.setCapacity(Int64(clamping: capacity))
        lastOffer = -Double.infinity
    }

    /// Stops serving pieces, waiting a while for requests under way (see ``PieceService/stop(patience:)``).
    public func stop() async {
        inventory?.cancel()
        guard let service else { return }
        self.service = nil
        if await !service.stop() {
            log("a request to the piece server was still under way when it stopped; left to the process's exit")
        }
    }
}
