import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation

extension StorageEngine {
    /// Plans an upload: checks the request and the donor's quota, places every piece and signs an order for
    /// each chosen host. The file is listed once committed.
    public func createFile(host: HostRecord, _ request: CreateFileRequest) async throws -> FileLayout {
        guard (1...4096).contains(request.sealedName.unicodeScalars.count) else { throw EngineError.invalid("sealedName must be 1 to 4096 characters") }
        guard (0...(1 << 44)).contains(request.size) else { throw EngineError.invalid("size must be between 0 and 16 TiB") }
        guard StoragePolicy.segmentSizes.contains(request.segmentSize) else {
            throw EngineError.invalid("segmentSize must be between \(StoragePolicy.segmentSizes.lowerBound) and \(StoragePolicy.segmentSizes.upperBound) bytes")
        }
        let segments = max(1, Int((request.size + Int64(request.segmentSize) - 1) / Int64(request.segmentSize)))
        let chosen = try request.redundancy.map { text -> Redundancy in
            do { return try Redundancy(parsing: text) } catch { throw EngineError.invalid("redundancy: \(error)") }
        }
        let now = clock()
        let fileID = ReadCap.newFileID()
        // Placement reads the hosts outside the write: a plan holds the writer only to insert its rows.
        let hosts = try await store.read { q in try q.storageHosts() }
        let candidates = candidates(hosts, now: now)
        let gridDefault = Redundancy.defaults(storageHosts: candidates.count)
        guard let redundancy = chosen ?? gridDefault else {
            throw EngineError.unavailable("the grid has \(candidates.count) storage host(s) online; storing a file needs at least 2")
        }
        let maxSegments = APILimits.maxPiecesPerFile / redundancy.totalPieces
        guard segments <= maxSegments else {
            throw EngineError.tooLarge(
                "a file at \(redundancy) has at most \(maxSegments) segments (\(APILimits.maxPiecesPerFile) pieces): \(Int64(maxSegments) * Int64(StoragePolicy.segmentSizes.upperBound)) bytes with 16 MiB segments; this one needs \(segments) of \(request.segmentSize) bytes")
        }
        let file = StoredFileRecord(
            id: fileID, donor: host.donorID, sealedName: request.sealedName, size: request.size, segmentSize: request.segmentSize,
            segments: segments, dataPieces: redundancy.dataPieces, parityPieces: redundancy.parityPieces,
            state: StoredFileRecord.uploading, createdAt: now)
        // The quota counts bytes on hosts: the file's size times its expansion, against what the donor may store
        // at the grid's default redundancy times that expansion (a wider K+M costs more). Checked before
        // placement for the clear answer, and again in the write against concurrent plans.
        let charged = Int64(Double(request.size) * redundancy.expansion)
        let withinQuota: @Sendable (StoreQueries) throws -> Void = { [self] q in
            try checkQuota(donor: host.donorID, charged: charged, redundancy: redundancy, gridDefault: gridDefault, hosts: hosts, q)
        }
        try await store.read { q in try withinQuota(q) }
        let placement: [[Int64]]
        do {
            placement = try Placement.place(segments: segments, pieceBytes: Self.pieceSize(file: file, segment: 0),
                                            redundancy: redundancy, candidates: candidates)
        } catch let error as StorageError {
            throw EngineError.unavailable("cannot place the file: \(error)")
        }
        let pieces = placement.enumerated().flatMap { segment, hostsOfSegment in
            hostsOfSegment.enumerated().map { index, hostID in
                PieceRecord(fileID: fileID, segment: segment, index: index, host: HostID(hostID), sha256: nil,
                            size: Self.pieceSize(file: file, segment: segment), state: PieceRecord.planned)
            }
        }
        try await store.write { q in
            try withinQuota(q)
            try q.createFile(file, pieces: pieces)
        }
        return layout(file, hosts: hosts, placement: placement.map { $0.map { HostID($0) } },
                      digests: Array(repeating: Array(repeating: nil, count: file.dataPieces + file.parityPieces), count: segments),
                      actions: [.put], onlyPlaced: true, expires: now + policy.orderLifetime)
    }

    /// Throws unless the donor's files and `charged` more bytes on hosts fit its quota.
    func checkQuota(donor: DonorID, charged: Int64, redundancy: Redundancy, gridDefault: Redundancy?, hosts: [StorageHostRecord],
                    _ q: StoreQueries) throws {
        let allowed = Int64(Double(try quota(donor: donor, hosts: hosts, redundancy: gridDefault, q)) * (gridDefault ?? redundancy).expansion)
        let stored = try q.storedExpandedBytes(donor: donor)
        guard stored + charged <= allowed else {
            throw EngineError.tooLarge(
                "donor quota exceeded: this file takes \(charged) bytes on hosts at \(redundancy), your files take \(stored) of the \(allowed) you may use; donate more storage (borg-client config --storage) or ask the admin")
        }
    }

    /// Records what an upload stored. Every segment must have the success threshold of pieces; otherwise the
    /// upload fails, and every piece it stored is collected from the hosts. A segment short only because hosts
    /// holding its pieces left the grid since is refused without failing the upload: the client places those
    /// pieces again (``refill(host:file:_:)``), sends them and commits again.
    public func commit(host: HostRecord, file id: String, _ request: CommitFileRequest) async throws -> FileInfo {
        let now = clock()
        let outcome: Result<StoredFileRecord, EngineError> = try await store.write { [self] q in
            let file = try owned(id, by: host, q)
            guard file.state == StoredFileRecord.uploading else { throw EngineError.wrongState("file \(id) is \(file.state), not uploading") }
            let n = file.dataPieces + file.parityPieces
            guard request.digests.count == file.segments, request.digests.allSatisfy({ $0.count == n }) else {
                throw EngineError.invalid("digests must list \(file.segments) segments of \(n) pieces each")
            }
            let redundancy = try Redundancy(dataPieces: file.dataPieces, parityPieces: file.parityPieces)
            // A piece on a host that has left the grid since (its files deleted) is not stored.
            var retired = Array(repeating: [Bool](repeating: false, count: n), count: file.segments)
            for piece in try q.piecesOnRetiredHosts(file: id) { retired[piece.segment][piece.index] = true }
            try Self.checkDigests(request.digests)
            let stored = request.digests.enumerated().map { segment, sent in
                sent.enumerated().map { index, digest in retired[segment][index] ? nil : digest }
            }
            let short = stored.indices.filter { stored[$0].compactMap { $0 }.count < redundancy.successThreshold }
            if let segment = short.first(where: { request.digests[$0].compactMap { $0 }.count < redundancy.successThreshold }) {
                try q.setFileState(id, StoredFileRecord.deleted)
                try q.discardPieces(file: id, storedToo: true)
                return .failure(EngineError.wrongState(
                    "segment \(segment) has \(stored[segment].compactMap { $0 }.count) of \(n) pieces stored, \(redundancy.successThreshold) needed; the upload failed and its pieces will be collected, put the file again"))
            }
            if let segment = short.first {
                throw EngineError.wrongState(
                    "\(short.count) segment(s) lost pieces to hosts that left the grid during the upload (segment \(segment) has \(stored[segment].compactMap { $0 }.count) of \(n) pieces stored, \(redundancy.successThreshold) needed): place them again (refill), send them and commit again")
            }
            for (segment, digests) in stored.enumerated() {
                for (index, digest) in digests.enumerated() {
                    if let digest { try q.storePiece(file: id, segment: segment, index: index, sha256: digest) }
                }
            }
            try q.discardPieces(file: id, storedToo: false)
            try q.setFileState(id, StoredFileRecord.stored)
            return .success(file)
        }
        let file = try outcome.get()
        let healthy = try await store.read { [self] q in try health(of: [file], q, now: now) }
        return info(file, state: StoredFileRecord.stored, healthy: healthy[id] ?? 0)
    }

    /// Throws unless every digest an owner sends is nil (no piece) or SHA-256 in lowercase hex.
    static func checkDigests(_ segments: some Sequence<[String?]>) throws {
        guard segments.allSatisfy({ $0.allSatisfy { $0.map(BlobStore.isDigest) ?? true } }) else {
            throw EngineError.invalid("digests must be SHA-256 in lowercase hex")
        }
    }

    /// Where the file's pieces are, with orders to read them.
    public func location(host: HostRecord, file id: String) async throws -> FileLayout {
        let now = clock()
        let (file, pieces, hosts) = try await store.read { [self] q in
            let file = try owned(id, by: host, q)
            return (file, try q.pieces(file: id), try q.storageHosts())
        }
        guard file.state == StoredFileRecord.stored else { throw EngineError.wrongState("file \(id) is \(file.state)") }
        let n = file.dataPieces + file.parityPieces
        var placement = Array(repeating: [HostID?](repeating: nil, count: n), count: file.segments)
        var digests = Array(repeating: [String?](repeating: nil, count: n), count: file.segments)
        for piece in pieces where piece.state == PieceRecord.stored {
            placement[piece.segment][piece.index] = piece.host
            digests[piece.segment][piece.index] = piece.sha256
        }
        return layout(file, hosts: hosts, placement: placement, digests: digests, actions: [.get], expires: now + policy.orderLifetime)
    }

    /// The donor's files, newest first.
    public func list(host: HostRecord) async throws -> [FileInfo] {
        let now = clock()
        return try await store.read { [self] q in
            let files = try q.files(donor: host.donorID)
            let health = try health(of: files, q, now: now)
            return files.map { info($0, state: $0.state, healthy: health[$0.id] ?? 0) }
        }
    }

    /// Deletes the file: it leaves the listing at once and its pieces are collected from the hosts.
    public func delete(host: HostRecord, file id: String) async throws -> FileInfo {
        try await store.write { [self] q in
            let file = try owned(id, by: host, q)
            guard file.state != StoredFileRecord.deleted else { throw EngineError.unknown("file \(id) was deleted") }
            try q.setFileState(id, StoredFileRecord.deleted)
            try q.discardPieces(file: id, storedToo: true)
            return info(file, state: StoredFileRecord.deleted, healthy: 0)
        }
    }

    func owned(_ id: String, by host: HostRecord, _ q: StoreQueries) throws -> StoredFileRecord {
        guard ReadCap.isFileID(id), let file = try q.file(id), file.state != StoredFileRecord.deleted else {
            throw EngineError.unknown("no file \(id.prefix(64)); 'borg-client files ls' lists yours")
        }
        guard file.donor == host.donorID else { throw EngineError.notYours("file \(id) belongs to another donor") }
        return file
    }

    /// For each file, the fewest stored pieces any of its segments has on online hosts.
    func health(of files: [StoredFileRecord], _ q: StoreQueries, now: Double) throws -> [String: Int] {
        let online = Set(try q.storageHosts().filter { isOnline($0, now: now) }.map(\.host))
        var result: [String: Int] = [:]
        for file in files { result[file.id] = try Self.piecesPerSegment(file, q, online: online).min() ?? 0 }
        return result
    }

    /// For each segment of the file, how many of its pieces are stored on the `online` hosts.
    static func piecesPerSegment(_ file: StoredFileRecord, _ q: StoreQueries, online: Set<HostID>) throws -> [Int] {
        var perSegment = [Int](repeating: 0, count: file.segments)
        for piece in try q.pieces(file: file.id) where piece.state == PieceRecord.stored && online.contains(piece.host) {
            perSegment[piece.segment] += 1
        }
        return perSegment
    }

    func info(_ file: StoredFileRecord, state: String, healthy: Int) -> FileInfo {
        FileInfo(fileID: file.id, sealedName: file.sealedName, size: file.size, redundancy: "\(file.dataPieces)+\(file.parityPieces)",
                 state: state, createdAt: file.createdAt, healthyPieces: healthy)
    }

    /// Where `file`'s pieces are, with an order per host for `actions` valid until `expires`; when `onlyPlaced`,
    /// each order covers only the pieces `placement` puts on its host.
    func layout(_ file: StoredFileRecord, hosts: [StorageHostRecord], placement: [[HostID?]], digests: [[String?]],
                actions: [PieceAction], onlyPlaced: Bool = false, expires: Double) -> FileLayout {
        let used = Set(placement.joined().compactMap { $0 })
        let maxPiece = Int(Self.pieceSize(file: file, segment: 0))
        // An upload's orders cover only the pieces placed on each host (one per segment at most: a plan puts a
        // segment's pieces on distinct hosts; after repairs a host may hold more, so reads are not so bound).
        let orders = hosts.filter { used.contains($0.host) }.map { host in
            StorageHostOrder(host: host.host, url: host.url, order: signer.sign(PieceOrder(
                fileID: file.id, host: host.host.rawValue, actions: actions, maxPieceBytes: maxPiece, expires: expires,
                segments: file.segments, pieces: file.dataPieces + file.parityPieces,
                placed: onlyPlaced ? PieceOrder.placed(placement.map { $0.firstIndex(of: host.host) }) : nil)))
        }
        let redundancy = "\(file.dataPieces)+\(file.parityPieces)"
        let threshold = (try? Redundancy(dataPieces: file.dataPieces, parityPieces: file.parityPieces))?.successThreshold ?? file.dataPieces
        return FileLayout(fileID: file.id, redundancy: redundancy, size: file.size, segmentSize: file.segmentSize, segments: file.segments,
                          successThreshold: threshold, hosts: orders, pieces: placement, digests: digests)
    }
}
