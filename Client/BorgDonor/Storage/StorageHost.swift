import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation
import BorgStorage
import Hummingbird
import Logging
import ServiceLifecycle

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
    private var server: Task<Void, Never>?
    /// Runs the piece server; shut down gracefully (cancelling its task instead can trap in NIO when a
    /// connection was accepted but not yet served).
    private var services: ServiceGroup?
    private var url: String?
    private var lastOffer = -Double.infinity

    public init(directory: DataDirectory, donation: StorageDonation, host: HostID, client: CoordinatorClient, offerInterval: Double = 10,
                log: @escaping @Sendable (String) -> Void) throws {
        store = try PieceStore(directory: directory.pieces, capacity: Int64(clamping: donation.capacityBytes))
        keys = try OrderKeys(host: host.rawValue)
        self.donation = donation
        self.client = client
        self.host = host
        self.offerInterval = offerInterval
        self.log = log
    }

    /// Starts the piece server; returns once it listens.
    public func start() async throws {
        LargeBuffers.configure()
        let (address, port) = try donation.listenAddress()
        let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = PieceServer(store: store, keys: keys, host: address, port: port).application { port in
            continuation.yield(port)
            continuation.finish()
        }
        let log = self.log
        let services = ServiceGroup(configuration: .init(services: [application], logger: Logger(label: "borg-client")))
        self.services = services
        server = Task {
            do { try await services.run() } catch { log("piece server stopped: \(error)") }
            continuation.finish()
        }
        var iterator = bound.makeAsyncIterator()
        guard let listening = await iterator.next() else {
            throw DonorError("--storage-listen: cannot serve pieces on \(donation.listen); is the port taken?")
        }
        url = try donation.advertisedURL(port: listening)
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

    /// Stops serving pieces.
    public func stop() async {
        await services?.triggerGracefulShutdown()
        _ = await server?.value
        server = nil
        services = nil
    }
}
