import BorgAPIClient
import BorgCore
import BorgProtocol
import BorgStorage
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `borg-client files put`: encrypts a file segment by segment, codes each segment into pieces and sends
/// every piece straight to the host the coordinator placed it on, then commits what was stored. The
/// coordinator sees the plan, the digests and the sealed name, never a byte of the file. Segments go in
/// batches: each host gets the pieces a batch places on it in one request.
public struct FileUploader: Sendable {
    let coordinator: CoordinatorClient
    let host: HostID
    let pieces: PieceClient
    /// Segments in one batch (fewer when they would pass ``SegmentBatches/batchBytes``).
    let segmentsPerBatch: Int
    /// Batches encrypted, coded and sent at once.
    let parallelBatches: Int

    public init(coordinator: CoordinatorClient, host: HostID, pieces: PieceClient = PieceClient(), segmentsPerBatch: Int = 4,
                parallelBatches: Int = 2) {
        self.coordinator = coordinator
        self.host = host
        self.pieces = pieces
        self.segmentsPerBatch = max(1, segmentsPerBatch)
        self.parallelBatches = max(1, parallelBatches)
        LargeBuffers.configure()
    }

    /// Times an upload asks the coordinator to place again the pieces it could not store: after each batch, and
    /// after a commit refused because hosts holding pieces left meanwhile.
    static let refillRounds = 3

    /// Stores the file at `path` under `name`; returns its read-cap (the only way to read it back), and how many
    /// pieces went to other hosts than planned because theirs failed or left during the put.
    public func put(_ path: URL, name: String, redundancy: Redundancy? = nil, segmentSize: Int = 1 << 20,
                    progress: TransferProgress? = nil) async throws -> (cap: ReadCap, info: FileInfo, placedAgain: Int) {
        let source = try SegmentSource(path)
        defer { source.close() }
        let key = FileKey.random()
        let plan = try await coordinator.createFile(host: host, CreateFileRequest(
            sealedName: SegmentCipher.sealName(name, key: key), size: source.size, segmentSize: segmentSize,
            redundancy: redundancy?.description))
        do {
            let upload = Upload(plan: plan, key: key, coder: ErasureCoder(try Redundancy(parsing: plan.redundancy)), source: source)
            let (info, placedAgain) = try await putSegments(of: upload, file: path, progress: progress)
            return (ReadCap(fileID: plan.fileID, key: key), info, placedAgain)
        } catch {
            // Whatever stopped the put, what it stored is collected now rather than when its orders expire.
            _ = try? await coordinator.deleteFile(host: host, file: plan.fileID)
            throw error
        }
    }

    /// Sends every segment's pieces, in batches, and commits them; also returns how many pieces were placed again.
    func putSegments(of upload: Upload, file path: URL, progress: TransferProgress?) async throws -> (FileInfo, Int) {
        let plan = upload.plan
        // Big segments go one per batch: then four at once, as many as were sent at once before batches.
        let grouping = SegmentBatches(segments: plan.segments, segmentSize: plan.segmentSize, segmentsPerBatch: segmentsPerBatch,
                                      parallelBatches: parallelBatches, segmentsInFlight: 4)
        let batches = grouping.batches

        var digests = Array(repeating: [String?](repeating: nil, count: upload.coder.redundancy.totalPieces), count: plan.segments)
        var failed: Set<HostID> = []
        var placedAgain = 0
        var short: Int?
        try await withThrowingTaskGroup(of: (stored: [Int: [String?]], failed: Set<HostID>, placedAgain: Int).self) { group in
            var next = 0
            func schedule() {
                let segments = batches[next]
                next += 1
                group.addTask {
                    var coded: [Int: [ArraySlice<UInt8>]] = [:]
                    var plainBytes = 0
                    for segment in segments {
                        let (pieces, plain) = try upload.pieces(of: segment)
                        coded[segment] = pieces
                        plainBytes += plain
                    }
                    let batch = try await storeBatch(coded, plan: plan)
                    progress?.advance(Int64(plainBytes))
                    return batch
                }
            }
            while next < min(grouping.parallel, batches.count) { schedule() }
            // A segment still short of the threshold after its refills fails the put: no more batches start, those
            // under way finish (one whose refill failed the upload throws why).
            while let batch = try await group.next() {
                for (segment, pieces) in batch.stored { digests[segment] = pieces }
                failed.formUnion(batch.failed)
                placedAgain += batch.placedAgain
                short = short ?? Self.short(batch.stored, threshold: plan.successThreshold).keys.min()
                if short == nil, next < batches.count { schedule() }
            }
        }
        if let short {
            throw DonorError(
                "segment \(short) has \(digests[short].compactMap { $0 }.count) of \(digests[short].count) pieces stored, \(plan.successThreshold) needed: too few storage hosts took its pieces (\(failed.count) failed); put the file again when more are online")
        }
        progress?.finish()
        let (info, placedAtCommit) = try await commit(digests, of: upload, file: path, failed: failed)
        return (info, placedAgain + placedAtCommit)
    }

    /// Sends the coded segments' pieces; while segments are short of the success threshold (their hosts failed
    /// or left), has the coordinator place the missing pieces again, away from the hosts that failed, and sends
    /// those. Returns, per segment, each piece's digest if stored, the hosts that failed, and how many pieces were
    /// stored where a refill placed them.
    func storeBatch(_ coded: [Int: [ArraySlice<UInt8>]], plan: FileLayout) async throws
        -> (stored: [Int: [String?]], failed: Set<HostID>, placedAgain: Int)
    {
        var (stored, failed) = await send(coded, plan: plan)
        var placedAgain = 0
        for _ in 0..<Self.refillRounds {
            let short = Self.short(stored, threshold: plan.successThreshold)
            guard !short.isEmpty else { break }
            try Task.checkCancellation()
            let refill: FileLayout
            do {
                refill = try await coordinator.refillFile(host: host, file: plan.fileID, RefillRequest(
                    segments: short.sorted { $0.key < $1.key }.map { SegmentDigests(segment: $0.key, digests: $0.value) },
                    unreachable: failed.sorted()))
            } catch let error as APIClientError where error.status == 404 || error.status == 409 {
                break  // another batch's refill failed the upload: its error says why
            }
            let more = await send(coded.filter { short[$0.key] != nil }, plan: refill, storedBefore: short)
            for (segment, pieces) in more.stored { stored[segment] = pieces }
            failed.formUnion(more.unreachable)
            placedAgain += Self.piecesStored(more.stored, placedBy: refill)
        }
        return (stored, failed, placedAgain)
    }

    /// Commits what the upload stored. When the coordinator refuses because hosts holding pieces left the grid
    /// since, has it place those pieces again (away from the hosts that `failed`), codes their segments once more
    /// from the file and sends them. Also returns how many pieces were stored where a refill placed them.
    func commit(_ digests: [[String?]], of upload: Upload, file path: URL, failed: Set<HostID>) async throws -> (FileInfo, Int) {
        var digests = digests
        var failed = failed
        var placedAgain = 0
        var round = 0
        while true {
            round += 1
            do {
                return (try await coordinator.commitFile(host: host, file: upload.plan.fileID, CommitFileRequest(digests: digests)), placedAgain)
            } catch let refused as APIClientError where refused.status == 409 {
                guard round <= Self.refillRounds else {
                    throw DonorError("storage hosts kept leaving the grid while the file was put (\(refused.reason)); put it again")
                }
                let refill: FileLayout
                do {
                    refill = try await coordinator.refillFile(host: host, file: upload.plan.fileID, RefillRequest(
                        segments: digests.enumerated().map { SegmentDigests(segment: $0.offset, digests: $0.element) },
                        unreachable: failed.sorted()))
                } catch let error as APIClientError where error.status == 404 {
                    throw refused  // the commit failed the upload: its reason stands
                }
                let segments = refill.pieces.indices.filter { refill.pieces[$0].contains { $0 != nil } }
                guard !segments.isEmpty else { throw refused }
                var coded: [Int: [ArraySlice<UInt8>]] = [:]
                for segment in segments { coded[segment] = try upload.piecesAgain(of: segment, sent: digests[segment], file: path) }
                let before = Dictionary(uniqueKeysWithValues: segments.map { ($0, digests[$0]) })
                let sent = await send(coded, plan: refill, storedBefore: before)
                for (segment, pieces) in sent.stored { digests[segment] = pieces }
                failed.formUnion(sent.unreachable)
                placedAgain += Self.piecesStored(sent.stored, placedBy: refill)
            }
        }
    }

    /// The segments of `stored` (each piece's digest if stored) with fewer than `threshold` pieces stored.
    static func short(_ stored: [Int: [String?]], threshold: Int) -> [Int: [String?]] {
        stored.filter { $0.value.compactMap { $0 }.count < threshold }
    }

    /// How many of the pieces `layout` places have a digest in `stored` (a send's result: stored by that send).
    static func piecesStored(_ stored: [Int: [String?]], placedBy layout: FileLayout) -> Int {
        stored.reduce(0) { count, entry in
            count + entry.value.indices.filter { entry.value[$0] != nil && layout.pieces[entry.key][$0] != nil }.count
        }
    }

    /// Sends the coded segments' pieces to the hosts `plan` puts them on, at once, one request per host (more when
    /// they would pass ``PieceServer/batchLimit`` pieces or ``PieceServer/bodyLimit`` bytes). Once every segment's
    /// success threshold is stored (counting `storedBefore`), the slowest hosts are given as long again as that
    /// took, then cancelled. Returns, per segment, each piece's digest if stored (by this send for the pieces
    /// `plan` places, as `storedBefore` says for the others), and the hosts that failed.
    func send(_ coded: [Int: [ArraySlice<UInt8>]], plan: FileLayout, storedBefore: [Int: [String?]] = [:]) async
        -> (stored: [Int: [String?]], unreachable: Set<HostID>)
    {
        let orders = Dictionary(plan.hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        var result = coded.mapValues { [String?](repeating: nil, count: $0.count) }.merging(storedBefore) { _, before in before }
        var unreachable: Set<HostID> = []
        var placed: [HostID: (target: StorageHostOrder, pieces: [(segment: Int, index: Int)])] = [:]
        for (segment, pieces) in coded.sorted(by: { $0.key < $1.key }) {
            for index in pieces.indices {
                guard let hostID = plan.pieces[segment][index], let target = orders[hostID] else { continue }
                placed[hostID, default: (target, [])].pieces.append((segment, index))
                // Placed (again) here: stored only if this send stores it, wherever it was before.
                result[segment]?[index] = nil
            }
        }
        let requests = placed.values.flatMap { target, places in
            PieceBatches.split(places) { coded[$0.segment]?[$0.index].count ?? 0 }.map { (target: target, pieces: $0) }
        }
        let started = ContinuousClock.now
        /// A host's answer: the digests of the pieces it stored, or that it failed; or that the grace for the slowest ran out.
        enum Answer {
            case stored([(segment: Int, index: Int, digest: String)])
            case failed(HostID)
            case graceOver
        }
        await withTaskGroup(of: Answer.self) { group in
            for (target, places) in requests {
                group.addTask {
                    let uploads = places.compactMap { place -> (place: (segment: Int, index: Int), upload: PieceClient.Upload)? in
                        guard let bytes = coded[place.segment]?[place.index] else { return nil }
                        let piece = PieceID(fileID: plan.fileID, segment: place.segment, index: place.index).description
                        return (place, PieceClient.Upload(piece: piece, bytes: bytes, sha256: HexEncoding.string(SHA256.hash(data: bytes))))
                    }
                    do {
                        try await pieces.put(uploads.map(\.upload), order: target.order, at: target.url)
                        return .stored(uploads.map { ($0.place.segment, $0.place.index, $0.upload.sha256) })
                    } catch {
                        // Cancelled for being slow is not failing.
                        return Task.isCancelled ? .stored([]) : .failed(target.host)
                    }
                }
            }
            var pending = requests.count
            var deadlineSet = false
            for await answer in group {
                switch answer {
                case .graceOver:
                    group.cancelAll()
                    return
                case .failed(let host):
                    unreachable.insert(host)
                case .stored(let digests):
                    for (segment, index, digest) in digests { result[segment]?[index] = digest }
                }
                pending -= 1
                if pending == 0 {
                    group.cancelAll()
                    return
                }
                if !deadlineSet, result.values.allSatisfy({ $0.compactMap { $0 }.count >= plan.successThreshold }) {
                    deadlineSet = true
                    let grace = max(ContinuousClock.now - started, .milliseconds(500))
                    group.addTask {
                        try? await Task.sleep(for: grace)
                        return .graceOver
                    }
                }
            }
        }
        return (result, unreachable)
    }

    /// One upload: its plan and what codes its segments.
    struct Upload: Sendable {
        let plan: FileLayout
        let key: FileKey
        let coder: ErasureCoder
        let source: SegmentSource

        /// The pieces of `segment`, read from the file, sealed and coded; and its plaintext's length.
        func pieces(of segment: Int) throws -> (pieces: [ArraySlice<UInt8>], plainBytes: Int) {
            let plain = try source.read(segment: segment, segmentSize: plan.segmentSize)
            let sealed = SegmentCipher.seal(plain, segment: segment, of: plan.segments, fileID: plan.fileID, key: key)
            return (coder.pieces(of: sealed), plain.count)
        }

        /// The pieces of `segment` coded once more, of which those with a digest in `sent` went out before. The
        /// same plaintext seals to the same pieces (a segment's nonce is its index); a file changed since would
        /// seal other bytes under that nonce, which would let whoever holds both pieces read the XOR of the two
        /// plaintexts. So the pieces are returned only if every piece sent before comes out the same, and at
        /// least k of them did (k pieces determine the whole segment, unsent ones included).
        func piecesAgain(of segment: Int, sent: [String?], file path: URL) throws -> [ArraySlice<UInt8>] {
            let (pieces, _) = try self.pieces(of: segment)
            let matching = zip(pieces, sent).filter { piece, digest in
                digest.map { HexEncoding.string(SHA256.hash(data: piece)) == $0 } ?? false
            }.count
            guard matching == sent.compactMap({ $0 }).count, matching >= coder.redundancy.dataPieces else {
                throw DonorError("'\(path.path)' changed while it was put (segment \(segment)); put it again")
            }
            return pieces
        }
    }
}

/// Reads a file's plaintext segment by segment from any thread (`pread`).
final class SegmentSource: Sendable {
    let descriptor: Int32
    let size: Int64

    init(_ path: URL) throws {
        let fd = open(path.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DonorError("cannot read '\(path.path)': \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(fd)
            throw DonorError("'\(path.path)' is not a regular file; files put stores one file at a time")
        }
        descriptor = fd
        size = Int64(info.st_size)
    }

    func read(segment: Int, segmentSize: Int) throws -> [UInt8] {
        let offset = Int64(segment) * Int64(segmentSize)
        let length = Int(max(0, min(Int64(segmentSize), size - offset)))
        var complete = false
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            var done = 0
            while done < length, let base = buffer.baseAddress {
                let n = pread(descriptor, base + done, length - done, off_t(offset) + off_t(done))
                guard n > 0 else { break }
                done += n
            }
            complete = done == length
            initialized = complete ? length : 0
        }
        guard complete else { throw DonorError("the file changed while it was read (segment \(segment)); put it again") }
        return bytes
    }

    func close() { Glibc.close(descriptor) }
}
