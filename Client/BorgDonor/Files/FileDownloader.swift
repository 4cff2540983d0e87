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
/// there.
public struct FileDownloader: Sendable {
    let coordinator: CoordinatorClient
    let host: HostID
    let pieces: PieceClient
    let parallelSegments: Int

    public init(coordinator: CoordinatorClient, host: HostID, pieces: PieceClient = PieceClient(), parallelSegments: Int = 16) {
        self.coordinator = coordinator
        self.host = host
        self.pieces = pieces
        self.parallelSegments = max(1, parallelSegments)
        LargeBuffers.configure()
    }

    /// Writes the file `cap` names to `destination`; returns its size.
    @discardableResult
    public func get(_ cap: ReadCap, to destination: URL, progress: TransferProgress? = nil) async throws -> Int64 {
        let layout = try await coordinator.fileLocation(host: host, file: cap.fileID)
        let coder = ErasureCoder(try Redundancy(parsing: layout.redundancy))
        let orders = Dictionary(layout.hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).borg-partial")
        let sink = try SegmentSink(partial)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func schedule() {
                    let segment = next
                    next += 1
                    group.addTask {
                        let plain = try await read(segment: segment, cap: cap, coder: coder, layout: layout, orders: orders)
                        try sink.write(plain, at: Int64(segment) * Int64(layout.segmentSize))
                        progress?.advance(Int64(plain.count))
                    }
                }
                while next < min(parallelSegments, layout.segments) { schedule() }
                for try await _ in group where next < layout.segments { schedule() }
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

    /// The plaintext of one segment, from the fastest k hosts, data pieces first (no decoding work). The pieces
    /// are not hashed on arrival: the segment's AES-GCM tag covers every byte of them. Only when it does not
    /// authenticate are they checked against their digests; the bad ones are skipped and replaced by
    /// checked pieces from the other hosts.
    func read(segment: Int, cap: ReadCap, coder: ErasureCoder, layout: FileLayout, orders: [HostID: StorageHostOrder]) async throws -> Data {
        let plainLength = Int(min(Int64(layout.segmentSize), layout.size - Int64(segment) * Int64(layout.segmentSize)))
        let sealedLength = max(0, plainLength) + SegmentCipher.overhead
        let pieceSize = coder.pieceSize(forSegmentOf: sealedLength)
        let need = coder.redundancy.dataPieces
        let locations = layout.pieces[segment].indices.compactMap { index -> PieceLocation? in
            guard let host = layout.pieces[segment][index], let target = orders[host], let digest = layout.digests[segment][index] else {
                return nil
            }
            return PieceLocation(index: index, piece: PieceID(fileID: layout.fileID, segment: segment, index: index).description,
                                 url: target.url, order: target.order, sha256: digest)
        }
        func open(_ pieces: [Int: [UInt8]]) throws -> Data {
            try SegmentCipher.open(try coder.decode(pieces, segmentLength: sealedLength), segment: segment, of: layout.segments, fileID: cap.fileID, key: cap.key)
        }
        let fastest = await self.pieces.read(need, of: locations, size: pieceSize, verifying: false)
        if fastest.pieces.count >= need, let plain = try? open(fastest.pieces) { return plain }
        var pieces = fastest.pieces
        var failures = fastest.failures
        let damaged = Set(locations.filter { location in pieces[location.index].map { !location.matches($0) } ?? false }.map(\.index))
        pieces = pieces.filter { !damaged.contains($0.key) }
        failures += damaged.sorted().map { "piece \(PieceID(fileID: layout.fileID, segment: segment, index: $0)) does not match its digest" }
        let untried = locations.filter { pieces[$0.index] == nil && !damaged.contains($0.index) && !fastest.failed.contains($0.index) }
        if pieces.count < need {
            let more = await self.pieces.read(need - pieces.count, of: untried, size: pieceSize)
            pieces.merge(more.pieces) { first, _ in first }
            failures += more.failures
        }
        guard pieces.count >= need else {
            throw DonorError("segment \(segment) is unreadable: \(pieces.count) of the \(need) pieces needed could be read (\(failures.joined(separator: "; "))); the file may recover when its hosts return")
        }
        do {
            return try open(pieces)
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
