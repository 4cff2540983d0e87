import BorgCore
import BorgStorage
import Crypto
import Foundation
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The pieces this host stores for others: one file per piece at `<directory>/<fileID>/<segment>.<index>`,
/// and never more bytes than its capacity. What it holds is scanned once at open and kept up to date in
/// memory; a lock covers that accounting and the rename or unlink that makes a change visible, never the
/// reading or writing of a piece's bytes.
public final class PieceStore: Sendable {
    /// The directory of the pieces.
    public let directory: URL
    private let state: Mutex<State>

    private struct State {
        var capacity: Int64
        /// The size of each piece held.
        var sizes: [PieceID: Int64] = [:]
        /// The sum of `sizes`.
        var used: Int64 = 0
        /// The bytes of puts under way, counted against the capacity until they land or fail.
        var reserved: Int64 = 0
        /// Per file: its pieces held plus its puts under way; its directory goes when this reaches zero.
        var holders: [String: Int] = [:]
        /// Bumped by ``PieceStore/deleteAll()``: puts begun before it no longer count.
        var generation = 0
        /// Set by ``PieceStore/refuseNewPieces()``.
        var leaving = false

        /// One holder less for `fileID`; true when none is left.
        mutating func release(_ fileID: String) -> Bool {
            let left = (holders[fileID] ?? 1) - 1
            holders[fileID] = left > 0 ? left : nil
            return left <= 0
        }
    }

    /// A put's claim on the capacity while its bytes are written.
    private struct Reservation {
        let piece: PieceID
        let size: Int64
        let generation: Int
        /// Whether the put may replace a piece of that id.
        let replacing: Bool
    }

    /// Opens the store in `directory` (created owner-only if missing) and counts the pieces already there.
    /// Anything that is not a piece is left alone and not counted; temporary files of interrupted puts are
    /// deleted.
    /// Free bytes the disk keeps for its owner: a piece that would leave less is refused, whatever the cap.
    public let minimumFreeBytes: Int64
    /// The free bytes of the disk holding a directory (nil if unknown).
    private let freeBytes: @Sendable (String) -> Int64?

    /// `freeBytes` tells the free bytes of the disk holding a directory: `statvfs`'s count for unprivileged
    /// users by default.
    public init(directory: URL, capacity: Int64, minimumFreeBytes: Int64 = 1 << 30,
                freeBytes: @escaping @Sendable (String) -> Int64? = PieceStore.diskFreeBytes) throws(PieceStoreError) {
        self.directory = directory.standardizedFileURL
        self.minimumFreeBytes = minimumFreeBytes
        self.freeBytes = freeBytes
        do {
            try FileManager.default.createDirectory(
                at: self.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create the piece directory '\(self.directory.path)': \(error)")
        }
        var scanned = State(capacity: capacity)
        for (piece, size) in try Self.scan(self.directory.path) {
            scanned.sizes[piece] = size
            scanned.used += size
            scanned.holders[piece.fileID, default: 0] += 1
        }
        state = Mutex(scanned)
    }

    /// The most bytes the pieces may take.
    public var capacity: Int64 { state.withLock { $0.capacity } }

    /// The bytes the pieces take now.
    public var usedBytes: Int64 { state.withLock { $0.used } }

    /// How many pieces are held.
    public var pieceCount: Int { state.withLock { $0.sizes.count } }

    /// Changes the capacity. Lowering it below ``usedBytes`` deletes nothing; puts are refused until
    /// enough pieces are deleted.
    public func setCapacity(_ bytes: Int64) {
        state.withLock { $0.capacity = bytes }
    }

    /// From now on every put that would write (a piece not held, or one replacing a piece) is refused
    /// (``PieceStoreError/leaving``): the host is leaving the grid, and a piece stored now would be left for the
    /// grid to rebuild. A piece sent again with the bytes held is still taken; reads and deletes go on.
    public func refuseNewPieces() {
        state.withLock { $0.leaving = true }
    }

    /// The bytes an unprivileged user may still write to the disk holding `path`; nil if `statvfs` fails.
    public static func diskFreeBytes(_ path: String) -> Int64? {
        var disk = statvfs()
        return statvfs(path, &disk) == 0 ? Int64(clamping: UInt64(disk.f_bavail) &* UInt64(disk.f_frsize)) : nil
    }

    /// The pieces held, by file, segment and index.
    public func pieces() -> [PieceID] {
        state.withLock { Array($0.sizes.keys) }.sorted { ($0.fileID, $0.segment, $0.index) < ($1.fileID, $1.segment, $1.index) }
    }

    /// Stores `bytes` as `piece` once they hash to `sha256` (hex) and fit in the capacity. The piece appears
    /// whole or not at all. A piece already stored is replaced only when `replacing`; otherwise, sent again
    /// with the same bytes it is kept as it is, with other bytes refused (``PieceStoreError/conflict(_:)``).
    public func put(_ piece: PieceID, bytes: Data, sha256: String, replacing: Bool = false) throws(PieceStoreError) {
        try put([(piece, bytes, sha256)], replacing: replacing)
    }

    /// Stores several pieces as ``put(_:bytes:sha256:)`` does each, once every one hashes to its SHA-256 and
    /// all fit in the capacity together: a batch refused for either stores nothing. An I/O failure part way
    /// keeps the pieces stored before it.
    public func put(_ batch: [(piece: PieceID, bytes: Data, sha256: String)], replacing: Bool = false) throws(PieceStoreError) {
        var names: [String] = []
        for entry in batch {
            names.append(try Self.fileName(of: entry.piece))
            guard HexEncoding.string(SHA256.hash(data: entry.bytes)) == entry.sha256.lowercased() else {
                throw .mismatch(entry.piece.description)
            }
        }
        // A piece held already is not written again, unless replacing: with the same bytes it is done, with others refused.
        var fresh: [Int] = []
        for index in batch.indices {
            if !replacing, try holds(batch[index].piece, withBytes: batch[index].bytes) { continue }
            fresh.append(index)
        }
        var reservations: [Reservation] = []
        do throws(PieceStoreError) {
            for index in fresh {
                reservations.append(try reserve(batch[index].piece, size: Int64(batch[index].bytes.count), replacing: replacing))
            }
        } catch {
            reservations.forEach(release)
            throw error
        }
        for (position, index) in fresh.enumerated() {
            do throws(PieceStoreError) {
                try write(batch[index].bytes, named: names[index], as: reservations[position])
            } catch {
                reservations[(position + 1)...].forEach(release)
                throw error
            }
        }
    }

    /// Whether `piece` is held with exactly `bytes`: false if it is not held, refused if it is with others.
    private func holds(_ piece: PieceID, withBytes bytes: Data) throws(PieceStoreError) -> Bool {
        guard size(of: piece) != nil else { return false }
        let stored: ByteBuffer
        do throws(PieceStoreError) {
            stored = try get(piece)
        } catch {
            if case .notFound = error { return false }
            throw error
        }
        guard stored.readableBytesView.elementsEqual(bytes) else { throw .conflict(piece.description) }
        return true
    }

    /// Writes a reserved piece to a temporary file, flushes it and renames it into place as `name` (its
    /// ``fileName(of:)``); gives the reservation back unless the piece it placed keeps it.
    private func write(_ bytes: Data, named name: String, as reservation: Reservation) throws(PieceStoreError) {
        let piece = reservation.piece
        let path = "\(directory.path)/\(piece.fileID)/\(name)"
        do throws(PieceStoreError) {
            guard let fileDirectory = try openFileDirectory(piece.fileID, creating: true) else {
                throw .io("the directory of '\(path)' vanished while the piece was stored; send it again")
            }
            defer { close(fileDirectory) }
            let temporary = ".\(name).\(UInt64.random(in: .min ... .max)).tmp"
            try PieceFiles.writeNew(bytes, named: temporary, in: fileDirectory, path: path)
            let placed: Bool
            do throws(PieceStoreError) {
                placed = try commit(reservation, from: temporary, to: name, in: fileDirectory, path: path)
            } catch {
                _ = try? PieceFiles.remove(temporary, in: fileDirectory, path: path)
                throw error
            }
            if !placed {
                // Another put of this piece landed first: done, if it stored these very bytes.
                _ = try? PieceFiles.remove(temporary, in: fileDirectory, path: path)
                guard try holds(piece, withBytes: bytes) else { throw .conflict(piece.description) }
                release(reservation)
            }
        } catch {
            release(reservation)
            throw error
        }
    }

    /// The size of `piece`, nil if it is not held.
    public func size(of piece: PieceID) -> Int64? {
        state.withLock { $0.sizes[piece] }
    }

    /// The bytes of `piece`.
    public func get(_ piece: PieceID) throws(PieceStoreError) -> ByteBuffer {
        let name = try Self.fileName(of: piece)
        guard let fileDirectory = try openFileDirectory(piece.fileID, creating: false) else {
            throw .notFound(piece.description)
        }
        defer { close(fileDirectory) }
        guard let data = try PieceFiles.contents(of: name, in: fileDirectory, path: "\(directory.path)/\(piece.fileID)/\(name)")
        else { throw .notFound(piece.description) }
        return data
    }

    /// Asks the kernel to start reading `pieces` from the disk at once (`POSIX_FADV_WILLNEED`), so a batch read
    /// one piece after another finds them on their way in rather than waiting on each in turn. Best effort.
    public func prefetch(_ pieces: [PieceID]) {
        for piece in pieces {
            guard let name = try? Self.fileName(of: piece), let fileDirectory = try? openFileDirectory(piece.fileID, creating: false) else {
                continue
            }
            defer { close(fileDirectory) }
            PieceFiles.prefetch(name, in: fileDirectory)
        }
    }

    /// Deletes `piece`; false if it was not there. With `storedBefore` (seconds since 1970), only if its file was
    /// last written by then: checked under the lock a put takes to place a piece, so one stored meanwhile stays.
    @discardableResult
    public func delete(_ piece: PieceID, storedBefore: Double? = nil) throws(PieceStoreError) -> Bool {
        let name = try Self.fileName(of: piece)
        guard let fileDirectory = try openFileDirectory(piece.fileID, creating: false) else { return false }
        defer { close(fileDirectory) }
        let filePath = "\(directory.path)/\(piece.fileID)"
        return try state.withLock { (state) throws(PieceStoreError) -> Bool in
            if let storedBefore {
                guard let written = try PieceFiles.modified(name, in: fileDirectory, path: "\(filePath)/\(name)"),
                    written <= storedBefore
                else { return false }
            }
            let removed = try PieceFiles.remove(name, in: fileDirectory, path: "\(filePath)/\(name)")
            guard let size = state.sizes.removeValue(forKey: piece) else { return removed }
            state.used -= size
            if state.release(piece.fileID) { rmdir(filePath) }
            return true
        }
    }

    /// Deletes every piece and the directory itself, as when the host leaves the grid. Puts under way fail.
    public func deleteAll() throws(PieceStoreError) {
        let path = directory.path
        let aside = directory.deletingLastPathComponent()
            .appendingPathComponent(".\(directory.lastPathComponent).deleting-\(UInt64.random(in: .min ... .max))").path
        let moved = try state.withLock { (state) throws(PieceStoreError) -> Bool in
            let moved = rename(path, aside) == 0
            guard moved || errno == ENOENT else {
                throw .io("cannot delete the piece directory '\(path)': \(PieceFiles.reason())")
            }
            state.generation += 1
            (state.sizes, state.used, state.reserved, state.holders) = ([:], 0, 0, [:])
            return moved
        }
        guard moved else { return }
        do {
            try FileManager.default.removeItem(atPath: aside)
        } catch {
            throw .io("the pieces are no longer counted, but deleting '\(aside)' failed: \(error); delete it by hand")
        }
    }

    /// Counts `size` more bytes for `piece` against the capacity, less those of the piece it is `replacing`,
    /// and against the disk's free space with the bytes of every other put under way.
    private func reserve(_ piece: PieceID, size: Int64, replacing: Bool) throws(PieceStoreError) -> Reservation {
        let free = freeBytes(directory.path)
        return try state.withLock { (state) throws(PieceStoreError) -> Reservation in
            guard !state.leaving else { throw .leaving }
            // Bytes reserved may be partly written already (and so out of `free`): counting them whole errs on the owner's side.
            if let free, free - state.reserved - size < minimumFreeBytes {
                throw .diskNearlyFull(needed: size + state.reserved, free: free, keeping: minimumFreeBytes)
            }
            let after = state.used + state.reserved + size - (replacing ? state.sizes[piece] ?? 0 : 0)
            guard after <= state.capacity else {
                throw .full(needed: size, used: state.used + state.reserved, capacity: state.capacity)
            }
            state.reserved += size
            state.holders[piece.fileID, default: 0] += 1
            return Reservation(piece: piece, size: size, generation: state.generation, replacing: replacing)
        }
    }

    /// Renames the written temporary file to the piece's name (over the piece there, when the reservation is
    /// for replacing it) and counts the piece as held; false, changing nothing, if a piece of that name is
    /// there already and not to be replaced.
    private func commit(_ reservation: Reservation, from temporary: String, to name: String, in fileDirectory: Int32, path: String)
        throws(PieceStoreError) -> Bool
    {
        try state.withLock { (state) throws(PieceStoreError) -> Bool in
            guard state.generation == reservation.generation else {
                throw .io("the piece store was emptied while \(reservation.piece) was stored; nothing is kept")
            }
            _ = try PieceFiles.size(of: name, in: fileDirectory, path: path)
            if reservation.replacing {
                try PieceFiles.move(temporary, to: name, in: fileDirectory, path: path)
            } else {
                guard try PieceFiles.moveUnlessTaken(temporary, to: name, in: fileDirectory, path: path) else { return false }
            }
            let replaced = state.sizes.updateValue(reservation.size, forKey: reservation.piece)
            state.used += reservation.size - (replaced ?? 0)
            state.reserved -= reservation.size
            if replaced != nil { _ = state.release(reservation.piece.fileID) }
            return true
        }
    }

    /// Gives back a failed put's reservation, and its file's directory when nothing else holds it.
    private func release(_ reservation: Reservation) {
        let fileID = reservation.piece.fileID
        let filePath = "\(directory.path)/\(fileID)"
        state.withLock { state in
            guard state.generation == reservation.generation else { return }
            state.reserved -= reservation.size
            if state.release(fileID) { rmdir(filePath) }
        }
    }

    /// Opens the directory of `fileID`'s pieces, creating it (and the store's directory, after
    /// ``deleteAll()``) when `creating`; `nil` if it does not exist.
    private func openFileDirectory(_ fileID: String, creating: Bool) throws(PieceStoreError) -> Int32? {
        let rootPath = directory.path
        var opened = try PieceFiles.openDirectory(atPath: rootPath)
        if opened == nil && creating {
            guard mkdir(rootPath, 0o700) == 0 || errno == EEXIST else {
                throw .io("cannot create the piece directory '\(rootPath)': \(PieceFiles.reason())")
            }
            opened = try PieceFiles.openDirectory(atPath: rootPath)
        }
        guard let root = opened else { return nil }
        defer { close(root) }
        let path = "\(rootPath)/\(fileID)"
        if let found = try PieceFiles.openDirectory(fileID, in: root, path: path) { return found }
        guard creating else { return nil }
        try PieceFiles.makeDirectory(fileID, in: root, path: path)
        return try PieceFiles.openDirectory(fileID, in: root, path: path)
    }

    /// The pieces in the directory at `path` and their sizes; deletes leftover temporary files.
    private static func scan(_ path: String) throws(PieceStoreError) -> [(PieceID, Int64)] {
        guard let root = try PieceFiles.openDirectory(atPath: path) else { return [] }
        defer { close(root) }
        var found: [(PieceID, Int64)] = []
        for fileID in PieceFiles.names(atPath: path) {
            let filePath = "\(path)/\(fileID)"
            guard let fileDirectory = try? PieceFiles.openDirectory(fileID, in: root, path: filePath) else { continue }
            defer { close(fileDirectory) }
            for name in PieceFiles.names(atPath: filePath) {
                if name.hasPrefix("."), name.hasSuffix(".tmp") {
                    _ = try? PieceFiles.remove(name, in: fileDirectory, path: "\(filePath)/\(name)")
                    continue
                }
                guard let piece = try? PieceID(parsing: "\(fileID).\(name)"),
                    let size = try? PieceFiles.size(of: name, in: fileDirectory, path: "\(filePath)/\(name)")
                else { continue }
                found.append((piece, size))
            }
        }
        return found
    }

    /// The file name of `piece` in its file's directory, once its id is known to name nothing outside it.
    private static func fileName(of piece: PieceID) throws(PieceStoreError) -> String {
        guard let parsed = try? PieceID(parsing: piece.description), parsed == piece else {
            throw .invalid(piece.description)
        }
        return "\(piece.segment).\(piece.index)"
    }
}
