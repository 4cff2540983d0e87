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

    /// Stores the file at `path` under `name`; returns its read-cap (the only way to read it back).
    public func put(_ path: URL, name: String, redundancy: Redundancy? = nil, segmentSize: Int = 1 << 20,
                    progress: TransferProgress? = nil) async throws -> (cap: ReadCap, info: FileInfo) {
        let source = try SegmentSource(path)
        defer { source.close() }
        let key = FileKey.random()
        let plan = try await coordinator.createFile(host: host, CreateFileRequest(
            sealedName: SegmentCipher.sealName(name, key: key), size: source.size, segmentSize: segmentSize,
            redundancy: redundancy?.description))
        let cap = ReadCap(fileID: plan.fileID, key: key)
        let coder = ErasureCoder(try Redundancy(parsing: plan.redundancy))
        let orders = Dictionary(plan.hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        // Big segments go one per batch: then four at once, as many as were sent at once before batches.
        let grouping = SegmentBatches(segments: plan.segments, segmentSize: plan.segmentSize, segmentsPerBatch: segmentsPerBatch,
                                      parallelBatches: parallelBatches, segmentsInFlight: 4)
        let batches = grouping.batches

        var digests = Array(repeating: [String?](repeating: nil, count: coder.redundancy.totalPieces), count: plan.segments)
        try await withThrowingTaskGroup(of: [Int: [String?]].self) { group in
            var next = 0
            func schedule() {
                let segments = batches[next]
                next += 1
                group.addTask {
                    var coded: [Int: [ArraySlice<UInt8>]] = [:]
                    var plainBytes = 0
                    for segment in segments {
                        let plain = try source.read(segment: segment, segmentSize: plan.segmentSize)
                        let sealed = SegmentCipher.seal(plain, segment: segment, of: plan.segments, fileID: plan.fileID, key: key)
                        coded[segment] = coder.pieces(of: sealed)
                        plainBytes += plain.count
                    }
                    let stored = await send(coded, plan: plan, orders: orders)
                    progress?.advance(Int64(plainBytes))
                    return stored
                }
            }
            while next < min(grouping.parallel, batches.count) { schedule() }
            for try await stored in group {
                for (segment, pieces) in stored { digests[segment] = pieces }
                // A segment short of the threshold fails the put: send no more, commit says why.
                guard stored.values.allSatisfy({ $0.compactMap { $0 }.count >= plan.successThreshold }) else {
                    group.cancelAll()
                    break
                }
                if next < batches.count { schedule() }
            }
        }
        progress?.finish()
        let info = try await coordinator.commitFile(host: host, file: plan.fileID, CommitFileRequest(digests: digests))
        return (cap, info)
    }

    /// Sends the coded segments' pieces to their hosts at once, one request per host (more when they would pass
    /// ``PieceServer/batchLimit`` pieces or ``PieceServer/bodyLimit`` bytes). Once every segment's
    /// success threshold is stored, the slowest hosts are given as long again as that took, then cancelled.
    /// Returns, per segment, each piece's digest if stored.
    func send(_ coded: [Int: [ArraySlice<UInt8>]], plan: FileLayout, orders: [HostID: StorageHostOrder]) async -> [Int: [String?]] {
        var result = coded.mapValues { [String?](repeating: nil, count: $0.count) }
        var placed: [HostID: (target: StorageHostOrder, pieces: [(segment: Int, index: Int)])] = [:]
        for (segment, pieces) in coded.sorted(by: { $0.key < $1.key }) {
            for index in pieces.indices {
                guard let hostID = plan.pieces[segment][index], let target = orders[hostID] else { continue }
                placed[hostID, default: (target, [])].pieces.append((segment, index))
            }
        }
        let requests = placed.values.flatMap { target, places in
            PieceBatches.split(places) { coded[$0.segment]?[$0.index].count ?? 0 }.map { (target: target, pieces: $0) }
        }
        let started = ContinuousClock.now
        /// A host's answer: the digests of the pieces it stored; nil when the grace for the slowest ran out.
        typealias Answer = [(segment: Int, index: Int, digest: String)]?
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
                        return uploads.map { ($0.place.segment, $0.place.index, $0.upload.sha256) }
                    } catch {
                        return []
                    }
                }
            }
            var pending = requests.count
            var deadlineSet = false
            for await answer in group {
                guard let answer else {
                    group.cancelAll()
                    break
                }
                for (segment, index, digest) in answer { result[segment]?[index] = digest }
                pending -= 1
                if pending == 0 {
                    group.cancelAll()
                    break
                }
                if !deadlineSet, result.values.allSatisfy({ $0.compactMap { $0 }.count >= plan.successThreshold }) {
                    deadlineSet = true
                    let grace = max(ContinuousClock.now - started, .milliseconds(500))
                    group.addTask {
                        try? await Task.sleep(for: grace)
                        return nil
                    }
                }
            }
        }
        return result
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
