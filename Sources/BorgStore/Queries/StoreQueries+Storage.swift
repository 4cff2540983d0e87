import BorgCore
import Foundation

/// A host that donates storage, with what the coordinators placed on it.
public struct StorageHostRecord: Sendable, Equatable {
    public let host: HostID
    public let donor: DonorID
    public let name: String
    public let donorName: String
    public let url: String
    public let capacity: Int64
    /// Bytes of the planned and stored pieces placed on it.
    public let placedBytes: Int64
    public let pieces: Int
    public let seenAt: Double
    public let leaving: Bool
    /// False once the host was removed or unenrolled.
    public let active: Bool
    public let auditsPassed: Int
    public let auditsFailed: Int
    /// Its audit reputation, α / (α + β) (``StoreQueries/recordAudit(of:passed:forgetting:)``): 1 for a clean
    /// record, near the share of its recent audits passed otherwise.
    public let auditScore: Double
    /// Since when its audits go unanswered (errors, not verdicts); nil while the last one was answered.
    public let auditUnansweredSince: Double?
}

/// A stored file's metadata; its name is sealed with the file's key.
public struct StoredFileRecord: Sendable, Equatable {
    public let id: String
    public let donor: DonorID
    public let sealedName: String
    public let size: Int64
    public let segmentSize: Int
    public let segments: Int
    public let dataPieces: Int
    public let parityPieces: Int
    /// ``StoredFileRecord/uploading``, ``stored`` or ``deleted``.
    public let state: String
    public let createdAt: Double

    public static let uploading = "uploading"
    public static let stored = "stored"
    public static let deleted = "deleted"

    public init(id: String, donor: DonorID, sealedName: String, size: Int64, segmentSize: Int, segments: Int,
                dataPieces: Int, parityPieces: Int, state: String, createdAt: Double) {
        self.id = id
        self.donor = donor
        self.sealedName = sealedName
        self.size = size
        self.segmentSize = segmentSize
        self.segments = segments
        self.dataPieces = dataPieces
        self.parityPieces = parityPieces
        self.state = state
        self.createdAt = createdAt
    }
}

/// Where one piece of one segment is.
public struct PieceRecord: Sendable, Equatable {
    public let fileID: String
    public let segment: Int
    public let index: Int
    public let host: HostID
    /// The piece's SHA-256 once stored.
    public let sha256: String?
    public let size: Int64
    /// ``PieceRecord/planned`` (an upload is under way), ``stored``, or ``lost`` (an audit found it missing or
    /// damaged on its host).
    public let state: String

    public static let planned = "planned"
    public static let stored = "stored"
    public static let lost = "lost"

    public init(fileID: String, segment: Int, index: Int, host: HostID, sha256: String?, size: Int64, state: String) {
        self.fileID = fileID
        self.segment = segment
        self.index = index
        self.host = host
        self.sha256 = sha256
        self.size = size
        self.state = state
    }
}

/// A piece a host still holds though no file needs it there any more.
public struct GarbagePiece: Sendable, Equatable {
    public let host: HostID
    /// The piece's name, `<file>.<segment>.<index>`.
    public let piece: String
    public let fileID: String
}

extension StoreQueries {
    /// Records the host's storage offer (or its update) as seen at `now`.
    public func registerStorage(host: HostID, url: String, capacity: Int64, used: Int64, leaving: Bool, now: Double) throws {
        try db.run(
            """
            INSERT INTO storage_host (host_id, url, capacity, used, seen_at, leaving) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (host_id) DO UPDATE SET url = excluded.url, capacity = excluded.capacity, used = excluded.used,
              seen_at = excluded.seen_at, leaving = excluded.leaving
            """, SQLValue(host), .text(url), .integer(capacity), .integer(used), .real(now), .integer(leaving ? 1 : 0))
    }

    /// Every host that ever offered storage, with what is placed on it.
    public func storageHosts() throws -> [StorageHostRecord] {
        try db.query(
            """
            SELECT s.host_id, h.donor_id, h.name, d.name, s.url, s.capacity, coalesce(p.bytes, 0), coalesce(p.pieces, 0),
                   s.seen_at, s.leaving, h.active, s.audits_passed, s.audits_failed, s.audit_unanswered_since,
                   s.audit_alpha / (s.audit_alpha + s.audit_beta)
            FROM storage_host s JOIN host h ON h.id = s.host_id JOIN donor d ON d.id = h.donor_id
            LEFT JOIN (SELECT host_id, sum(size) AS bytes, count(*) AS pieces FROM piece GROUP BY host_id) p
              ON p.host_id = s.host_id
            ORDER BY s.host_id
            """
        ).map {
            StorageHostRecord(host: $0.id(0), donor: $0.id(1), name: $0.string(2), donorName: $0.string(3), url: $0.string(4),
                              capacity: $0.int(5), placedBytes: $0.int(6), pieces: Int($0.int(7)), seenAt: $0.double(8),
                              leaving: $0.bool(9), active: $0.bool(10), auditsPassed: Int($0.int(11)), auditsFailed: Int($0.int(12)),
                              auditScore: $0.double(14), auditUnansweredSince: $0.optionalDouble(13))
        }
    }

    /// Pieces placed on the host (by the `piece_host` index, without reading the others).
    public func pieceCount(host: HostID) throws -> Int {
        Int(try db.queryOne("SELECT count(*) FROM piece WHERE host_id = ?", SQLValue(host))?.int(0) ?? 0)
    }

    /// The pieces of `files` placed on `host`, in any state, as `{file}.{segment}.{index}`: one query, the file
    /// ids (lowercase hex) passed as one JSON array.
    public func pieceNames(host: HostID, files: Set<String>) throws -> Set<String> {
        guard !files.isEmpty else { return [] }
        let list = "[" + files.sorted().map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return Set(try db.query(
            """
            SELECT file_id || '.' || segment || '.' || piece_index FROM piece
            WHERE host_id = ? AND file_id IN (SELECT value FROM json_each(?))
            """, SQLValue(host), .text(list)
        ).map { $0.string(0) })
    }

    /// Pieces of stored files the host holds: what a leaving host must hand over before it goes (an upload not
    /// committed yet waits for no one; its pieces there are rebuilt once committed).
    public func piecesToMove(host: HostID) throws -> Int {
        Int(try db.queryOne(
            "SELECT count(*) FROM piece p JOIN stored_file f ON f.id = p.file_id WHERE p.host_id = ? AND p.state = 'stored' AND f.state = 'stored'",
            SQLValue(host))?.int(0) ?? 0)
    }

    /// The pieces of `file` placed on hosts that have left the grid since (by segment and index): a commit does
    /// not count them.
    public func piecesOnRetiredHosts(file id: String) throws -> [(segment: Int, index: Int)] {
        try db.query(
            "SELECT p.segment, p.piece_index FROM piece p JOIN host h ON h.id = p.host_id WHERE p.file_id = ? AND h.active = 0",
            .text(id)
        ).map { (Int($0.int(0)), Int($0.int(1))) }
    }

    /// Adds a file being uploaded and the pieces planned for it.
    public func createFile(_ file: StoredFileRecord, pieces: [PieceRecord]) throws {
        try db.run(
            """
            INSERT INTO stored_file (id, donor_id, sealed_name, size, segment_size, segments, data_pieces, parity_pieces,
                                     state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, .text(file.id), SQLValue(file.donor), .text(file.sealedName), .integer(file.size),
            .integer(Int64(file.segmentSize)), .integer(Int64(file.segments)), .integer(Int64(file.dataPieces)),
            .integer(Int64(file.parityPieces)), .text(file.state), .real(file.createdAt))
        for piece in pieces {
            try db.run(
                "INSERT INTO piece (file_id, segment, piece_index, host_id, sha256, size, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                .text(piece.fileID), .integer(Int64(piece.segment)), .integer(Int64(piece.index)), SQLValue(piece.host),
                piece.sha256.map { .text($0) } ?? .null, .integer(piece.size), .text(piece.state))
        }
    }

    public func file(_ id: String) throws -> StoredFileRecord? {
        try db.queryOne(Self.fileColumns + " WHERE id = ?", .text(id)).map(Self.fileRecord)
    }

    /// The donor's stored files (committed, not deleted), newest first.
    public func files(donor: DonorID) throws -> [StoredFileRecord] {
        try db.query(Self.fileColumns + " WHERE donor_id = ? AND state = 'stored' ORDER BY created_at DESC, id", SQLValue(donor))
            .map(Self.fileRecord)
    }

    /// Every file whose upload was committed.
    public func allStoredFiles() throws -> [StoredFileRecord] {
        try db.query(Self.fileColumns + " WHERE state = 'stored' ORDER BY id").map(Self.fileRecord)
    }

    /// Uploads that started at or before `before` and were never committed.
    public func abandonedUploads(startedBefore before: Double) throws -> [String] {
        try db.query("SELECT id FROM stored_file WHERE state = 'uploading' AND created_at <= ?", .real(before)).map { $0.string(0) }
    }

    /// Counts of stored files and of their stored pieces.
    public func storageCounts() throws -> (files: Int, pieces: Int) {
        let files = try db.queryOne("SELECT count(*) FROM stored_file WHERE state = 'stored'")?.int(0) ?? 0
        let pieces = try db.queryOne(
            "SELECT count(*) FROM piece p JOIN stored_file f ON f.id = p.file_id WHERE f.state = 'stored' AND p.state = 'stored'")?.int(0) ?? 0
        return (Int(files), Int(pieces))
    }

    /// Plaintext bytes of the donor's files that are stored or being uploaded (an upload holds its quota).
    public func storedBytes(donor: DonorID) throws -> Int64 {
        try db.queryOne("SELECT coalesce(sum(size), 0) FROM stored_file WHERE donor_id = ? AND state != 'deleted'", SQLValue(donor))?
            .int(0) ?? 0
    }

    /// Bytes the donor's files (stored or being uploaded) take on hosts: each file's size times its expansion.
    public func storedExpandedBytes(donor: DonorID) throws -> Int64 {
        try db.queryOne(
            "SELECT coalesce(sum(size * (data_pieces + parity_pieces) / data_pieces), 0) FROM stored_file WHERE donor_id = ? AND state != 'deleted'",
            SQLValue(donor))?.int(0) ?? 0
    }

    /// The donor's quota set by the admin, nil while it is the default.
    public func storageQuota(donor: DonorID) throws -> Int64? {
        try db.queryOne("SELECT storage_quota FROM donor WHERE id = ?", SQLValue(donor))?.optionalInt(0)
    }

    /// Sets (or with nil, resets to the default) the donor's quota; false if no donor has that name.
    public func setStorageQuota(donor name: String, bytes: Int64?) throws -> Bool {
        try db.execute("UPDATE donor SET storage_quota = ? WHERE name = ?", bytes.map { .integer($0) } ?? .null, .text(name))
            .rowsAffected > 0
    }

    /// Every piece of the file, by segment then index.
    public func pieces(file id: String) throws -> [PieceRecord] {
        try db.query(
            "SELECT file_id, segment, piece_index, host_id, sha256, size, state FROM piece WHERE file_id = ? ORDER BY segment, piece_index",
            .text(id)
        ).map(Self.pieceRecord)
    }

    /// Marks a planned piece stored with its digest.
    public func storePiece(file id: String, segment: Int, index: Int, sha256: String) throws {
        try db.run("UPDATE piece SET sha256 = ?, state = 'stored' WHERE file_id = ? AND segment = ? AND piece_index = ?",
                   .text(sha256), .text(id), .integer(Int64(segment)), .integer(Int64(index)))
    }

    public func setFileState(_ id: String, _ state: String) throws {
        try db.run("UPDATE stored_file SET state = ? WHERE id = ?", .text(state), .text(id))
    }

    /// Moves the file's pieces that are not stored (or all of them) to the garbage list, to be deleted from
    /// their hosts.
    public func discardPieces(file id: String, storedToo: Bool) throws {
        let condition = storedToo ? "" : " AND state != 'stored'"
        try db.run(
            """
            INSERT OR IGNORE INTO piece_garbage (host_id, piece, file_id)
            SELECT host_id, file_id || '.' || segment || '.' || piece_index, file_id FROM piece WHERE file_id = ?\(condition)
            """, .text(id))
        try db.run("DELETE FROM piece WHERE file_id = ?\(condition)", .text(id))
    }

    /// Lists a piece just put on `host` as garbage there, unless a piece row refers to it.
    public func discard(_ piece: String, file: String, on host: HostID) throws {
        try db.run(
            """
            INSERT OR IGNORE INTO piece_garbage (host_id, piece, file_id) SELECT ?, ?, ?
            WHERE NOT EXISTS (SELECT 1 FROM piece WHERE host_id = ? AND file_id || '.' || segment || '.' || piece_index = ?)
            """, SQLValue(host), .text(piece), .text(file), SQLValue(host), .text(piece))
    }

    /// Pieces hosts should delete, at most `limit`, in random order (a host that stays silent does not hold up
    /// the others); none that a piece row refers to again.
    public func garbagePieces(limit: Int) throws -> [GarbagePiece] {
        try db.query(
            """
            SELECT g.host_id, g.piece, g.file_id FROM piece_garbage g
            WHERE NOT EXISTS (SELECT 1 FROM piece p WHERE p.host_id = g.host_id AND p.file_id = g.file_id
                              AND p.file_id || '.' || p.segment || '.' || p.piece_index = g.piece)
            ORDER BY random() LIMIT ?
            """, .integer(Int64(limit))).map {
            GarbagePiece(host: $0.id(0), piece: $0.string(1), fileID: $0.string(2))
        }
    }

    /// Forgets garbage pieces their hosts deleted; deleted files without pieces or garbage left go too.
    public func collected(_ pieces: [GarbagePiece]) throws {
        for piece in pieces {
            try db.run("DELETE FROM piece_garbage WHERE host_id = ? AND piece = ?", SQLValue(piece.host), .text(piece.piece))
        }
        try db.run(
            """
            DELETE FROM stored_file WHERE state = 'deleted'
              AND NOT EXISTS (SELECT 1 FROM piece WHERE file_id = stored_file.id)
              AND NOT EXISTS (SELECT 1 FROM piece_garbage WHERE file_id = stored_file.id)
            """)
    }

    /// Moves a piece from `old` to `new` (rebuilt or copied there, same digest); the copy on `old` becomes
    /// garbage unless the piece was rewritten in place. False when the piece is no longer on `old` (another repair got there first).
    public func replacePiece(file id: String, segment: Int, index: Int, from old: HostID, to new: HostID) throws -> Bool {
        let moved = try db.execute(
            "UPDATE piece SET host_id = ?, state = 'stored' WHERE file_id = ? AND segment = ? AND piece_index = ? AND host_id = ?",
            SQLValue(new), .text(id), .integer(Int64(segment)), .integer(Int64(index)), SQLValue(old)).rowsAffected > 0
        if moved {
            try db.run("DELETE FROM piece_garbage WHERE host_id = ? AND piece = ?", SQLValue(new), .text("\(id).\(segment).\(index)"))
        }
        if moved && old != new {
            try db.run("INSERT OR IGNORE INTO piece_garbage (host_id, piece, file_id) VALUES (?, ?, ?)",
                       SQLValue(old), .text("\(id).\(segment).\(index)"), .text(id))
        }
        return moved
    }

    /// Moves a piece an upload has not stored from `old` to `new`; whatever `old` may have kept of it becomes
    /// garbage there. False when the piece is no longer planned on `old`.
    public func movePlannedPiece(file id: String, segment: Int, index: Int, from old: HostID, to new: HostID) throws -> Bool {
        let moved = try db.execute(
            "UPDATE piece SET host_id = ? WHERE file_id = ? AND segment = ? AND piece_index = ? AND host_id = ? AND state = 'planned'",
            SQLValue(new), .text(id), .integer(Int64(segment)), .integer(Int64(index)), SQLValue(old)).rowsAffected > 0
        if moved {
            let piece = "\(id).\(segment).\(index)"
            try db.run("DELETE FROM piece_garbage WHERE host_id = ? AND piece = ?", SQLValue(new), .text(piece))
            try db.run("INSERT OR IGNORE INTO piece_garbage (host_id, piece, file_id) VALUES (?, ?, ?)", SQLValue(old), .text(piece), .text(id))
        }
        return moved
    }

    /// Adds a piece the upload never stored, rebuilt since; false if the segment has that piece already.
    public func addPiece(_ piece: PieceRecord) throws -> Bool {
        let added = try db.execute(
            "INSERT OR IGNORE INTO piece (file_id, segment, piece_index, host_id, sha256, size, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
            .text(piece.fileID), .integer(Int64(piece.segment)), .integer(Int64(piece.index)), SQLValue(piece.host),
            piece.sha256.map { .text($0) } ?? .null, .integer(piece.size), .text(piece.state)).rowsAffected > 0
        if added {
            try db.run("DELETE FROM piece_garbage WHERE host_id = ? AND piece = ?", SQLValue(piece.host),
                       .text("\(piece.fileID).\(piece.segment).\(piece.index)"))
        }
        return added
    }

    /// Records an audit of one of the host's pieces; a failed one marks the piece lost, for repair. The host's
    /// reputation first decays by `forgetting` (α and β both), then the verdict adds 1 to α (passed) or β.
    public func recordAudit(of piece: PieceRecord, passed: Bool, forgetting: Double) throws {
        try db.run(
            """
            UPDATE storage_host SET \(passed ? "audits_passed = audits_passed + 1" : "audits_failed = audits_failed + 1"),
                audit_alpha = audit_alpha * ? + ?, audit_beta = audit_beta * ? + ?, audit_unanswered_since = NULL
            WHERE host_id = ?
            """, .real(forgetting), .real(passed ? 1 : 0), .real(forgetting), .real(passed ? 0 : 1), SQLValue(piece.host))
        if !passed {
            try db.run("UPDATE piece SET state = 'lost' WHERE file_id = ? AND segment = ? AND piece_index = ? AND host_id = ? AND state = 'stored'",
                       .text(piece.fileID), .integer(Int64(piece.segment)), .integer(Int64(piece.index)), SQLValue(piece.host))
        }
    }

    /// Records an audit of `host` that got no verdict (an error or no answer): the start of a run of them, if
    /// none is under way.
    public func recordUnansweredAudit(host: HostID, now: Double) throws {
        try db.run("UPDATE storage_host SET audit_unanswered_since = coalesce(audit_unanswered_since, ?) WHERE host_id = ?",
                   .real(now), SQLValue(host))
    }

    /// Marks the pieces `pieces` (segment, index) of `file`, where they are stored now, for audit; returns how
    /// many were marked.
    public func markSuspect(file: String, pieces: [(segment: Int, index: Int)], now: Double) throws -> Int {
        var marked = 0
        for (segment, index) in pieces {
            marked += Int(try db.execute(
                """
                INSERT OR IGNORE INTO suspect_piece (file_id, segment, piece_index, host_id, reported_at)
                SELECT file_id, segment, piece_index, host_id, ? FROM piece
                WHERE file_id = ? AND segment = ? AND piece_index = ? AND state = 'stored'
                """, .real(now), .text(file), .integer(Int64(segment)), .integer(Int64(index))).rowsAffected)
        }
        return marked
    }

    /// The stored pieces of committed files on `host` marked for audit, oldest report first, at most `limit`.
    public func suspectPieces(host: HostID, limit: Int) throws -> [PieceRecord] {
        try db.query(
            """
            SELECT p.file_id, p.segment, p.piece_index, p.host_id, p.sha256, p.size, p.state FROM suspect_piece s
            JOIN piece p ON p.file_id = s.file_id AND p.segment = s.segment AND p.piece_index = s.piece_index AND p.host_id = s.host_id
            JOIN stored_file f ON f.id = p.file_id
            WHERE s.host_id = ? AND p.state = 'stored' AND f.state = 'stored' ORDER BY s.reported_at LIMIT ?
            """, SQLValue(host), .integer(Int64(limit))
        ).map(Self.pieceRecord)
    }

    /// Forgets that `piece` was reported damaged (it was audited).
    public func clearSuspect(_ piece: PieceRecord) throws {
        try db.run("DELETE FROM suspect_piece WHERE file_id = ? AND segment = ? AND piece_index = ? AND host_id = ?",
                   .text(piece.fileID), .integer(Int64(piece.segment)), .integer(Int64(piece.index)), SQLValue(piece.host))
    }

    /// Forgets reports of pieces no longer stored where they were reported (moved, lost, their file deleted).
    public func dropStaleSuspects() throws {
        try db.run(
            """
            DELETE FROM suspect_piece WHERE NOT EXISTS (SELECT 1 FROM piece p WHERE p.file_id = suspect_piece.file_id
              AND p.segment = suspect_piece.segment AND p.piece_index = suspect_piece.piece_index
              AND p.host_id = suspect_piece.host_id AND p.state = 'stored')
            """)
    }

    /// Up to `limit` stored pieces of committed files on `host`, chosen at random.
    public func randomPieces(host: HostID, limit: Int) throws -> [PieceRecord] {
        try db.query(
            """
            SELECT p.file_id, p.segment, p.piece_index, p.host_id, p.sha256, p.size, p.state FROM piece p
            JOIN stored_file f ON f.id = p.file_id
            WHERE p.host_id = ? AND p.state = 'stored' AND f.state = 'stored' ORDER BY random() LIMIT ?
            """, SQLValue(host), .integer(Int64(limit))
        ).map(Self.pieceRecord)
    }

    private static func pieceRecord(_ row: SQLRow) -> PieceRecord {
        PieceRecord(fileID: row.string(0), segment: Int(row.int(1)), index: Int(row.int(2)), host: row.id(3),
                    sha256: row.optionalString(4), size: row.int(5), state: row.string(6))
    }

    private static let fileColumns = """
        SELECT id, donor_id, sealed_name, size, segment_size, segments, data_pieces, parity_pieces, state, created_at FROM stored_file
        """

    private static func fileRecord(_ row: SQLRow) -> StoredFileRecord {
        StoredFileRecord(id: row.string(0), donor: row.id(1), sealedName: row.string(2), size: row.int(3),
                         segmentSize: Int(row.int(4)), segments: Int(row.int(5)), dataPieces: Int(row.int(6)),
                         parityPieces: Int(row.int(7)), state: row.string(8), createdAt: row.double(9))
    }
}
