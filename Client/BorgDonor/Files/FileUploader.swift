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
/// coordinator sees the plan, the digests and the sealed name, never a byte of the file.
public struct FileUploader: Sendable {
    let coordinator: CoordinatorClient
    let host: HostID
    let pieces: PieceClient
    /// Segments encrypted, coded and sent at once.
    let parallelSegments: Int

    public init(coordinator: CoordinatorClient, host: HostID, pieces: PieceClient = PieceClient(), parallelSegments: Int = 4) {
        self.coordinator = coordinator
        self.host = host
        self.pieces = pieces
        self.parallelSegments = max(1, parallelSegments)
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

        var digests = Array(repeating: [String?](repeating: nil, count: coder.redundancy.totalPieces), count: plan.segments)
        try await withThrowingTaskGroup(of: (Int, [String?]).self) { group in
            var next = 0
            func schedule() {
                let segment = next
                next += 1
                group.addTask {
                    let plain = try source.read(segment: segment, segmentSize: plan.segmentSize)
                    let sealed = SegmentCipher.seal(plain, segment: segment, of: plan.segments, fileID: plan.fileID, key: key)
                    let stored = await send(coder.pieces(of: sealed), segment: segment, plan: plan, orders: orders)
                    progress?.advance(Int64(plain.count))
                    return (segment, stored)
                }
            }
            while next < min(parallelSegments, plan.segments) { schedule() }
            for try await (segment, stored) in group {
                digests[segment] = stored
                // A segment short of the threshold fails the put: send no more, commit says why.
                guard stored.compactMap({ $0 }).count >= plan.successThreshold else { group.cancelAll(); break }
                if next < plan.segments { schedule() }
            }
        }
        progress?.finish()
        let info = try await coordinator.commitFile(host: host, file: plan.fileID, CommitFileRequest(digests: digests))
        return (cap, info)
    }

    /// Sends a segment's pieces to their hosts at once. Once the success threshold is stored, the slowest are
    /// given as long again as the threshold took, then cancelled. Returns each piece's digest if stored.
    func send(_ coded: [ArraySlice<UInt8>], segment: Int, plan: FileLayout, orders: [HostID: StorageHostOrder]) async -> [String?] {
        var result = [String?](repeating: nil, count: coded.count)
        let started = ContinuousClock.now
        await withTaskGroup(of: (Int, String?)?.self) { group in
            var pending = 0
            for (index, bytes) in coded.enumerated() {
                guard let hostID = plan.pieces[segment][index], let target = orders[hostID] else { continue }
                pending += 1
                group.addTask {
                    let digest = HexEncoding.string(SHA256.hash(data: bytes))
                    let piece = PieceID(fileID: plan.fileID, segment: segment, index: index).description
                    do {
                        try await pieces.put(bytes, piece: piece, sha256: digest, order: target.order, at: target.url)
                        return (index, digest)
                    } catch {
                        return (index, nil)
                    }
                }
            }
            var stored = 0
            var deadlineSet = false
            for await outcome in group {
                guard let (index, digest) = outcome else {
                    group.cancelAll()
                    break
                }
                result[index] = digest
                if digest != nil { stored += 1 }
                pending -= 1
                if pending == 0 {
                    group.cancelAll()
                    break
                }
                if stored >= plan.successThreshold, !deadlineSet {
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
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { pread(descriptor, $0 + done, length - done, off_t(offset) + off_t(done)) } ?? -1
            }
            guard n > 0 else { throw DonorError("the file changed while it was read (segment \(segment)); put it again") }
            done += n
        }
        return bytes
    }

    func close() { Glibc.close(descriptor) }
}
