import BorgAPIClient
import BorgCore
import BorgProtocol
import BorgStorage
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `borg-client files get`: fetches k pieces of each segment straight from the hosts, decodes and decrypts
/// (a segment that does not authenticate has its pieces checked against their digests, and a bad or missing
/// piece is skipped and another fetched; the bad ones are reported to the coordinator, which audits them
/// first), and writes the file under its final name only once every byte is there. Segments go in batches:
/// each host is asked for the pieces a batch needs from it in one request.
public struct FileDownloader: Sendable {
    let coordinator: CoordinatorClient
    let host: HostID
    let pieces: PieceClient
    /// Segments in one batch (fewer when they would pass ``SegmentBatches/batchBytes``).
    let segmentsPerBatch: Int
    /// Batches read at once.
    let parallelBatches: Int
    /// How long a batch's requests may take before the segments still missing pieces are read one by one,
    /// each from the fastest of its hosts.
    let hedgeAfter: Duration

    public init(coordinator: CoordinatorClient, host: HostID, pieces: PieceClient = PieceClient(), segmentsPerBatch: Int = 8,
                parallelBatches: Int = 2, hedgeAfter: Duration = .milliseconds(500)) {
        self.coordinator = coordinator
        self.host = host
        self.pieces = pieces
        self.segmentsPerBatch = max(1, segmentsPerBatch)
        self.parallelBatches = max(1, parallelBatches)
        self.hedgeAfter = hedgeAfter
        LargeBuffers.configure()
    }

    /// What a get did besides writing the file.
    public struct Outcome: Sendable {
        /// The file's size.
        public let size: Int64
        /// Pieces whose bytes did not match their digest: skipped, others read instead.
        public let damaged: [PieceID]
        /// Whether the coordinator took the report of `damaged` (it audits them first); true when none.
        public let reported: Bool
    }

    /// Writes the file `cap` names to `destination`, counting its bytes on the progress `progress` makes for the
    /// file's size. Damaged pieces met on the way are reported to the coordinator, whether or not the get
    /// succeeds.
    @discardableResult
    public func get(_ cap: ReadCap, to destination: URL, progress makeProgress: ((_ size: Int64) -> TransferProgress)? = nil)
        async throws -> Outcome
    {
        let layout = try await coordinator.fileLocation(host: host, file: cap.fileID)
        let progress = makeProgress?(layout.size)
        let coder = ErasureCoder(try Redundancy(parsing: layout.redundancy))
        // The layout the batches read from: replaced by a fresh one when pieces have moved since.
        let current = CurrentLayout(layout)
        // Big segments go one per batch: then sixteen at once.
        let grouping = SegmentBatches(segments: layout.segments, segmentSize: layout.segmentSize, segmentsPerBatch: segmentsPerBatch,
                                      parallelBatches: parallelBatches, segmentsInFlight: 16)
        let batches = grouping.batches
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).borg-partial")
        let sink = try SegmentSink(partial)
        var damaged: [PieceID] = []
        do {
            try await withThrowingTaskGroup(of: [PieceID].self) { group in
                var next = 0
                func schedule() {
                    let segments = batches[next]
                    next += 1
                    group.addTask {
                        let batch: (plains: [(segment: Int, plain: Data)], damaged: [PieceID])
                        let used = current.layout
                        do {
                            batch = try await read(segments, cap: cap, coder: coder, layout: used)
                        } catch {
                            // Pieces may have moved since the layout was read (a host left, and the grid copied or
                            // rebuilt its pieces elsewhere): read the batch once more from where they are now, and
                            // let the batches after it start from there.
                            guard !Task.isCancelled, let now = try? await coordinator.fileLocation(host: host, file: cap.fileID),
                                now.segments == layout.segments, now.segmentSize == layout.segmentSize, now.size == layout.size,
                                now.redundancy == layout.redundancy
                            else { throw error }
                            current.layout = now
                            batch = try await read(segments, cap: cap, coder: coder, layout: now)
                        }
                        for (segment, plain) in batch.plains {
                            try sink.write(plain, at: Int64(segment) * Int64(layout.segmentSize))
                            progress?.advance(Int64(plain.count))
                        }
                        return batch.damaged
                    }
                }
                while next < min(grouping.parallel, batches.count) { schedule() }
                for try await found in group {
                    damaged += found
                    if next < batches.count { schedule() }
                }
            }
            try sink.finish(size: layout.size)
            progress?.finish()
            guard rename(partial.path, destination.path) == 0 else {
                throw DonorError("cannot write '\(destination.path)': \(String(cString: strerror(errno)))")
            }
        } catch {
            sink.close()
            unlink(partial.path)
            await report(damaged, of: cap.fileID)
            throw error
        }
        return Outcome(size: layout.size, damaged: damaged, reported: await report(damaged, of: cap.fileID))
    }

    /// Tells the coordinator about `damaged` pieces of `file`; whether it took the report (true when none).
    @discardableResult
    func report(_ damaged: [PieceID], of file: String) async -> Bool {
        guard !damaged.isEmpty else { return true }
        let report = DamagedPiecesReport(pieces: damaged.prefix(DamagedPiecesReport.limit).map { [$0.segment, $0.index] })
        return (try? await coordinator.reportDamaged(host: host, file: file, report)) != nil
    }

    /// What a segment needs to be read: its lengths and where its pieces are.
    struct SegmentPlan {
        let segment: Int
        let sealedLength: Int
        let pieceSize: Int
        let locations: [PieceLocation]
    }

    /// Where segment `segment`'s pieces are, and its lengths.
    func plan(segment: Int, coder: ErasureCoder, layout: FileLayout, orders: [HostID: StorageHostOrder]) -> SegmentPlan {
        let plainLength = Int(min(Int64(layout.segmentSize), layout.size - Int64(segment) * Int64(layout.segmentSize)))
        let sealedLength = max(0, plainLength) + SegmentCipher.overhead
        let locations = layout.pieces[segment].indices.compactMap { index -> PieceLocation? in
            guard let host = layout.pieces[segment][index], let target = orders[host], let digest = layout.digests[segment][index] else {
                return nil
            }
            return PieceLocation(index: index, piece: PieceID(fileID: layout.fileID, segment: segment, index: index).description,
                                 url: target.url, order: target.order, sha256: digest)
        }
        return SegmentPlan(segment: segment, sealedLength: sealedLength, pieceSize: coder.pieceSize(forSegmentOf: sealedLength),
                           locations: locations)
    }

    /// The plaintext of each of `segments`. Each host is asked once for the pieces it holds among the first k of
    /// every segment (data pieces first: no decoding work; more requests if they would pass a host's limits).
    /// A segment still short of pieces when every host has answered or ``hedgeAfter`` has passed, or whose
    /// pieces do not open, is also read on its own (``read(_:cap:coder:layout:have:slowHosts:)``,
    /// starting from the pieces already here, the hosts that failed or have not answered asked last), while
    /// the requests under way go on: whichever completes the segment first wins.
    func read(_ segments: Range<Int>, cap: ReadCap, coder: ErasureCoder, layout: FileLayout) async throws
        -> (plains: [(segment: Int, plain: Data)], damaged: [PieceID])
    {
        let orders = Dictionary(layout.hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        let need = coder.redundancy.dataPieces
        let plans = Dictionary(uniqueKeysWithValues: segments.map { ($0, plan(segment: $0, coder: coder, layout: layout, orders: orders)) })
        let requests = Self.requests(for: segments.compactMap { plans[$0] }, need: need)
        var got: [Int: [Int: [UInt8]]] = [:]
        var plains: [Int: Data] = [:]
        var damaged: [PieceID] = []
        var onTheirOwn = Set<Int>()
        var answered = Set<String>()
        var failure: (any Error)?
        await withTaskGroup(of: Arrival.self) { group in
            for request in requests {
                group.addTask {
                    let bytes = try? await pieces.get(pieces: request.places.map(\.location.piece), sizes: request.places.map(\.size),
                                                      order: request.order, at: request.url)
                    return .host(url: request.url, pieces: zip(request.places, bytes ?? []).map { ($0.segment, $0.location.index, $1) })
                }
            }
            group.addTask {
                try? await Task.sleep(for: hedgeAfter)
                return .late
            }
            var pending = requests.count
            var late = false
            /// Reads on its own each segment not yet whole, once every host answered or the time is up.
            func readTheRestOnTheirOwn() {
                guard late || pending == 0 else { return }
                let slow = Set(requests.map(\.url)).subtracting(answered)
                for segment in segments where plains[segment] == nil && !onTheirOwn.contains(segment) {
                    onTheirOwn.insert(segment)
                    guard let plan = plans[segment] else { continue }
                    let have = got[segment] ?? [:]
                    group.addTask {
                        do {
                            return .segment(segment, .success(
                                try await read(plan, cap: cap, coder: coder, layout: layout, have: have, slowHosts: slow)))
                        } catch {
                            return .segment(segment, .failure(error))
                        }
                    }
                }
            }
            readTheRestOnTheirOwn()
            for await arrival in group {
                switch arrival {
                case .host(let url, let arrived):
                    pending -= 1
                    if !arrived.isEmpty { answered.insert(url) }
                    for (segment, index, bytes) in arrived { got[segment, default: [:]][index] = bytes }
                    for segment in Set(arrived.map(\.segment)) where plains[segment] == nil {
                        if let pieces = got[segment], pieces.count >= need, let plan = plans[segment],
                            let plain = try? open(pieces, plan, cap: cap, coder: coder, of: layout.segments)
                        {
                            plains[segment] = plain
                        }
                    }
                case .late:
                    late = true
                case .segment(let segment, let result):
                    do {
                        let read = try result.get()
                        damaged += read.damaged.map { PieceID(fileID: layout.fileID, segment: segment, index: $0) }
                        if plains[segment] == nil { plains[segment] = read.plain }
                    } catch {
                        failure = error
                    }
                }
                if failure != nil || plains.count == segments.count { break }
                readTheRestOnTheirOwn()
            }
            group.cancelAll()
        }
        if let failure { throw failure }
        return (segments.compactMap { segment in plains[segment].map { (segment, $0) } }, damaged)
    }

    /// What arrives while a batch is read.
    enum Arrival: Sendable {
        /// A host's answer: the pieces it sent (none if it failed), by segment and index.
        case host(url: String, pieces: [(segment: Int, index: Int, bytes: [UInt8])])
        /// The batch's requests have taken ``FileDownloader/hedgeAfter``.
        case late
        /// A segment read on its own, with the indexes of the pieces found damaged.
        case segment(Int, Result<(plain: Data, damaged: [Int]), any Error>)
    }

    /// One batch request: the pieces to ask a host for, with their segments and sizes.
    struct BatchRequest {
        let url: String
        let order: String
        var places: [(segment: Int, location: PieceLocation, size: Int)]
    }

    /// The requests that fetch the first `need` pieces of each segment of `plans`: one per host, split where
    /// it would pass ``PieceServer/batchLimit`` pieces or ``PieceServer/bodyLimit`` bytes.
    static func requests(for plans: [SegmentPlan], need: Int) -> [BatchRequest] {
        var perHost: [String: BatchRequest] = [:]
        var order: [String] = []
        for plan in plans {
            for location in plan.locations.prefix(need) {
                // The order names the host: two hosts never share one, even behind one URL.
                if perHost[location.order] == nil { order.append(location.order) }
                perHost[location.order, default: BatchRequest(url: location.url, order: location.order, places: [])]
                    .places.append((plan.segment, location, plan.pieceSize))
            }
        }
        return order.compactMap { perHost[$0] }.flatMap { whole in
            PieceBatches.split(whole.places, bytes: \.size).map { BatchRequest(url: whole.url, order: whole.order, places: $0) }
        }
    }

    /// The plaintext of a segment from `pieces` (at least k of them, by index).
    func open(_ pieces: [Int: [UInt8]], _ plan: SegmentPlan, cap: ReadCap, coder: ErasureCoder, of segments: Int) throws -> Data {
        try SegmentCipher.open(try coder.decode(pieces, segmentLength: plan.sealedLength), segment: plan.segment, of: segments,
                               fileID: cap.fileID, key: cap.key)
    }

    /// The plaintext of one segment, from `have` (pieces already read, by index) and the fastest k hosts,
    /// data pieces first (no decoding work) and `slowHosts` (URLs) last, with the indexes of the pieces found
    /// damaged. The pieces are not hashed on arrival: the segment's AES-GCM tag covers every byte of them.
    /// Only when it does not authenticate are they checked against their digests; the bad ones are skipped and
    /// replaced by checked pieces from the other hosts.
    func read(_ plan: SegmentPlan, cap: ReadCap, coder: ErasureCoder, layout: FileLayout, have: [Int: [UInt8]],
              slowHosts: Set<String>) async throws -> (plain: Data, damaged: [Int]) {
        let segment = plan.segment
        let locations = plan.locations.filter { !slowHosts.contains($0.url) } + plan.locations.filter { slowHosts.contains($0.url) }
        let need = coder.redundancy.dataPieces
        let missing = need - have.count
        let fastest = missing > 0
            ? await self.pieces.read(missing, of: locations.filter { have[$0.index] == nil }, size: plan.pieceSize, verifying: false,
                                     hedgeAfter: hedgeAfter)
            : (pieces: [:], failures: [], failed: [], damaged: [])
        var pieces = have.merging(fastest.pieces) { first, _ in first }
        if pieces.count >= need, let plain = try? open(pieces, plan, cap: cap, coder: coder, of: layout.segments) {
            return (plain, [])
        }
        var failures = fastest.failures
        var damaged = Set(locations.filter { location in pieces[location.index].map { !location.matches($0) } ?? false }.map(\.index))
        pieces = pieces.filter { !damaged.contains($0.key) }
        failures += damaged.sorted().map { "piece \(PieceID(fileID: layout.fileID, segment: segment, index: $0)) does not match its digest" }
        let untried = locations.filter { pieces[$0.index] == nil && !damaged.contains($0.index) && !fastest.failed.contains($0.index) }
        if pieces.count < need {
            let more = await self.pieces.read(need - pieces.count, of: untried, size: plan.pieceSize, hedgeAfter: hedgeAfter)
            pieces.merge(more.pieces) { first, _ in first }
            failures += more.failures
            damaged.formUnion(more.damaged)
        }
        guard pieces.count >= need else {
            throw DonorError("segment \(segment) is unreadable: \(pieces.count) of the \(need) pieces needed could be read (\(failures.joined(separator: "; "))); the file may recover when its hosts return")
        }
        do {
            return (try open(pieces, plan, cap: cap, coder: coder, of: layout.segments), damaged.sorted())
        } catch {
            throw DonorError("segment \(segment) does not decrypt: the read-cap's key is not this file's, or its pieces are damaged")
        }
    }
}

/// The layout a get's batches read from, replaced when pieces have moved since.
private final class CurrentLayout: Sendable {
    private let current: Mutex<FileLayout>

    init(_ layout: FileLayout) { current = Mutex(layout) }

    var layout: FileLayout {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// Writes decrypted segments at their offsets from any thread (`pwrite`).
final class SegmentSink: @unchecked Sendable {
    let descriptor: Int32
    let path: String
    private let lock = NSLock()
    private var closed = false

    init(_ url: URL) throws {
        path = url.path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw DonorError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
    }

    func write(_ bytes: Data, at offset: Int64) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { pwrite(descriptor, $0 + done, bytes.count - done, off_t(offset) + off_t(done)) } ?? -1
            }
            guard n > 0 else { throw DonorError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    /// Sets the final size (a file of zero-length segments) and closes. Like `cp`, it leaves flushing to the
    /// kernel: the grid still holds the file.
    func finish(size: Int64) throws {
        defer { close() }
        guard ftruncate(descriptor, off_t(size)) == 0 else {
            throw DonorError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Closes the file once, however often called.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }
}
