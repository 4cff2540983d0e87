import BorgAPIClient
import BorgCore
import BorgProtocol
import BorgStorage
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `borg-client files get`: fetches k pieces of each segment straight from the hosts, decodes and decrypts
/// (a segment that does not authenticate has its pieces checked against their digests, and a bad or missing
/// piece is skipped and another fetched), and writes the file under its final name only once every byte is
/// there. Segments go in batches: each host is asked for the pieces a batch needs from it in one request.
public struct FileDownloader: Sendable {
    let coordinator: CoordinatorClient
    let host: HostID
    let pieces: PieceClient
    /// Segments in one batch (fewer when they would pass ``batchBytes``).
    let segmentsPerBatch: Int
    /// Batches read at once.
    let parallelBatches: Int
    /// How long a batch's requests may take before the segments still missing pieces are read one by one,
    /// each from the fastest of its hosts.
    let hedgeAfter: Duration

    /// The most plaintext bytes in one batch (at least one segment).
    static let batchBytes = 4 << 20

    public init(coordinator: CoordinatorClient, host: HostID, pieces: PieceClient = PieceClient(), segmentsPerBatch: Int = 4,
                parallelBatches: Int = 4, hedgeAfter: Duration = .milliseconds(500)) {
        self.coordinator = coordinator
        self.host = host
        self.pieces = pieces
        self.segmentsPerBatch = max(1, segmentsPerBatch)
        self.parallelBatches = max(1, parallelBatches)
        self.hedgeAfter = hedgeAfter
        LargeBuffers.configure()
    }

    /// Writes the file `cap` names to `destination`; returns its size.
    @discardableResult
    public func get(_ cap: ReadCap, to destination: URL, progress: TransferProgress? = nil) async throws -> Int64 {
        let layout = try await coordinator.fileLocation(host: host, file: cap.fileID)
        let coder = ErasureCoder(try Redundancy(parsing: layout.redundancy))
        let orders = Dictionary(layout.hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        let perBatch = max(1, min(segmentsPerBatch, Self.batchBytes / max(1, layout.segmentSize)))
        let batches = stride(from: 0, to: layout.segments, by: perBatch).map { $0..<min(layout.segments, $0 + perBatch) }
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).borg-partial")
        let sink = try SegmentSink(partial)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func schedule() {
                    let segments = batches[next]
                    next += 1
                    group.addTask {
                        for (segment, plain) in try await read(segments, cap: cap, coder: coder, layout: layout, orders: orders) {
                            try sink.write(plain, at: Int64(segment) * Int64(layout.segmentSize))
                            progress?.advance(Int64(plain.count))
                        }
                    }
                }
                while next < min(parallelBatches, batches.count) { schedule() }
                for try await _ in group where next < batches.count { schedule() }
            }
            try sink.finish(size: layout.size)
            progress?.finish()
            guard rename(partial.path, destination.path) == 0 else {
                throw DonorError("cannot write '\(destination.path)': \(String(cString: strerror(errno)))")
            }
        } catch {
            sink.close()
            unlink(partial.path)
            throw error
        }
        return layout.size
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
    /// every segment (data pieces first: no decoding work); a segment whose pieces did not all arrive within
    /// ``hedgeAfter``, or do not open, is read on its own (``read(segment:cap:coder:layout:orders:)``).
    func read(_ segments: Range<Int>, cap: ReadCap, coder: ErasureCoder, layout: FileLayout,
              orders: [HostID: StorageHostOrder]) async throws -> [(segment: Int, plain: Data)] {
        let need = coder.redundancy.dataPieces
        let plans = segments.map { plan(segment: $0, coder: coder, layout: layout, orders: orders) }
        var wanted: [String: (order: String, places: [(plan: SegmentPlan, location: PieceLocation)])] = [:]
        for plan in plans {
            for location in plan.locations.prefix(need) {
                wanted[location.url, default: (location.order, [])].places.append((plan, location))
            }
        }
        var got: [Int: [Int: [UInt8]]] = [:]
        var answered = Set<String>()
        /// A host's answer: its URL and the pieces it sent, by segment and index (none if it failed); nil when
        /// the batch's time ran out.
        typealias Answer = (url: String, pieces: [(segment: Int, index: Int, bytes: [UInt8])])?
        await withTaskGroup(of: Answer.self) { group in
            for (url, request) in wanted {
                group.addTask {
                    let places = request.places
                    let bytes = try? await pieces.get(pieces: places.map(\.location.piece), sizes: places.map(\.plan.pieceSize),
                                                      order: request.order, at: url)
                    return (url, zip(places, bytes ?? []).map { ($0.plan.segment, $0.location.index, $1) })
                }
            }
            group.addTask {
                try? await Task.sleep(for: hedgeAfter)
                return nil
            }
            var pending = wanted.count
            for await answer in group {
                guard let answer else { break }
                if !answer.pieces.isEmpty { answered.insert(answer.url) }
                for (segment, index, bytes) in answer.pieces { got[segment, default: [:]][index] = bytes }
                pending -= 1
                if pending == 0 { break }
            }
            group.cancelAll()
        }
        var plains: [(segment: Int, plain: Data)] = []
        var missed: [Int] = []
        for plan in plans {
            if let pieces = got[plan.segment], pieces.count >= need,
                let plain = try? open(pieces, plan, cap: cap, coder: coder, of: layout.segments)
            {
                plains.append((plan.segment, plain))
            } else {
                missed.append(plan.segment)
            }
        }
        // The hosts that failed or were too slow are asked last.
        let slow = Set(wanted.keys).subtracting(answered)
        try await withThrowingTaskGroup(of: (segment: Int, plain: Data).self) { group in
            for segment in missed {
                group.addTask {
                    (segment, try await read(segment: segment, cap: cap, coder: coder, layout: layout, orders: orders, slowHosts: slow))
                }
            }
            for try await segmentRead in group { plains.append(segmentRead) }
        }
        return plains
    }

    /// The plaintext of a segment from `pieces` (at least k of them, by index).
    func open(_ pieces: [Int: [UInt8]], _ plan: SegmentPlan, cap: ReadCap, coder: ErasureCoder, of segments: Int) throws -> Data {
        try SegmentCipher.open(try coder.decode(pieces, segmentLength: plan.sealedLength), segment: plan.segment, of: segments,
                               fileID: cap.fileID, key: cap.key)
    }

    /// The plaintext of one segment, from the fastest k hosts, data pieces first (no decoding work) and
    /// `slowHosts` (URLs) last. The pieces
    /// are not hashed on arrival: the segment's AES-GCM tag covers every byte of them. Only when it does not
    /// authenticate are they checked against their digests; the bad ones are skipped and replaced by
    /// checked pieces from the other hosts.
    func read(segment: Int, cap: ReadCap, coder: ErasureCoder, layout: FileLayout, orders: [HostID: StorageHostOrder],
              slowHosts: Set<String> = []) async throws -> Data {
        let plan = plan(segment: segment, coder: coder, layout: layout, orders: orders)
        let locations = plan.locations.filter { !slowHosts.contains($0.url) } + plan.locations.filter { slowHosts.contains($0.url) }
        let need = coder.redundancy.dataPieces
        let fastest = await self.pieces.read(need, of: locations, size: plan.pieceSize, verifying: false, hedgeAfter: hedgeAfter)
        if fastest.pieces.count >= need, let plain = try? open(fastest.pieces, plan, cap: cap, coder: coder, of: layout.segments) {
            return plain
        }
        var pieces = fastest.pieces
        var failures = fastest.failures
        let damaged = Set(locations.filter { location in pieces[location.index].map { !location.matches($0) } ?? false }.map(\.index))
        pieces = pieces.filter { !damaged.contains($0.key) }
        failures += damaged.sorted().map { "piece \(PieceID(fileID: layout.fileID, segment: segment, index: $0)) does not match its digest" }
        let untried = locations.filter { pieces[$0.index] == nil && !damaged.contains($0.index) && !fastest.failed.contains($0.index) }
        if pieces.count < need {
            let more = await self.pieces.read(need - pieces.count, of: untried, size: plan.pieceSize, hedgeAfter: hedgeAfter)
            pieces.merge(more.pieces) { first, _ in first }
            failures += more.failures
        }
        guard pieces.count >= need else {
            throw DonorError("segment \(segment) is unreadable: \(pieces.count) of the \(need) pieces needed could be read (\(failures.joined(separator: "; "))); the file may recover when its hosts return")
        }
        do {
            return try open(pieces, plan, cap: cap, coder: coder, of: layout.segments)
        } catch {
            throw DonorError("segment \(segment) does not decrypt: the read-cap's key is not this file's, or its pieces are damaged")
        }
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
