import BorgCore

/// `POST /v1/hosts/{id}/storage`: a host offers (or updates) its storage donation.
public struct StorageRegistration: Codable, Sendable, Equatable {
    /// Where the host serves its pieces, e.g. `http://192.0.2.7:7878`.
    public var url: String
    /// The donated bytes (the host's own cap).
    public var capacityBytes: Int64
    /// Bytes the host's pieces take now.
    public var usedBytes: Int64
    /// The host is leaving: it takes no new pieces and its pieces move elsewhere.
    public var leaving: Bool

    public init(url: String, capacityBytes: Int64, usedBytes: Int64, leaving: Bool = false) {
        self.url = url
        self.capacityBytes = capacityBytes
        self.usedBytes = usedBytes
        self.leaving = leaving
    }
}

public struct StorageRegistrationResponse: Codable, Sendable, Equatable {
    /// Public keys (base64 Ed25519) whose signed orders the host honours.
    public var orderKeys: [String]
    /// Pieces the coordinators have placed on this host.
    public var pieces: Int
    /// While leaving: pieces of the host not yet moved elsewhere.
    public var piecesToMove: Int

    public init(orderKeys: [String], pieces: Int, piecesToMove: Int) {
        self.orderKeys = orderKeys
        self.pieces = pieces
        self.piecesToMove = piecesToMove
    }
}

/// `POST /v1/hosts/{id}/files`: the owner's client announces a file it is about to upload.
public struct CreateFileRequest: Codable, Sendable, Equatable {
    /// The file's name sealed with its key (the coordinator cannot read it).
    public var sealedName: String
    /// Plaintext bytes.
    public var size: Int64
    /// Plaintext bytes per segment (the last may be shorter).
    public var segmentSize: Int
    /// `K+M`; nil takes the grid's default for its number of storage hosts.
    public var redundancy: String?

    public init(sealedName: String, size: Int64, segmentSize: Int, redundancy: String? = nil) {
        self.sealedName = sealedName
        self.size = size
        self.segmentSize = segmentSize
        self.redundancy = redundancy
    }
}

/// A storage host as a client reaches it, with the order it presents there.
public struct StorageHostOrder: Codable, Sendable, Equatable {
    public var host: HostID
    public var url: String
    /// The signed order allowing this client's transfers of this file's pieces on that host.
    public var order: String

    public init(host: HostID, url: String, order: String) {
        self.host = host
        self.url = url
        self.order = order
    }
}

/// Where a file's pieces go (a plan) or are (a location): for each segment, for each piece index, a host.
public struct FileLayout: Codable, Sendable, Equatable {
    public var fileID: String
    /// `K+M`.
    public var redundancy: String
    public var size: Int64
    public var segmentSize: Int
    public var segments: Int
    /// Pieces of a segment an upload must store.
    public var successThreshold: Int
    public var hosts: [StorageHostOrder]
    /// `pieces[segment][index]`: the host of that piece, nil when it is lost or was never stored.
    public var pieces: [[HostID?]]
    /// `digests[segment][index]`: the piece's SHA-256 (hex), empty in a plan.
    public var digests: [[String?]]

    public init(fileID: String, redundancy: String, size: Int64, segmentSize: Int, segments: Int, successThreshold: Int,
                hosts: [StorageHostOrder], pieces: [[HostID?]], digests: [[String?]]) {
        self.fileID = fileID
        self.redundancy = redundancy
        self.size = size
        self.segmentSize = segmentSize
        self.segments = segments
        self.successThreshold = successThreshold
        self.hosts = hosts
        self.pieces = pieces
        self.digests = digests
    }
}

/// `POST /v1/hosts/{id}/files/{file}/commit`: what the upload stored.
public struct CommitFileRequest: Codable, Sendable, Equatable {
    /// `digests[segment][index]`: the SHA-256 (hex) of the piece the planned host accepted, nil if it did not.
    public var digests: [[String?]]

    public init(digests: [[String?]]) { self.digests = digests }
}

/// `POST /v1/hosts/{id}/files/{file}/refill`: segments of an upload short of the success threshold, for the
/// coordinator to place their missing pieces again. Answered with a ``FileLayout`` that lists only the pieces
/// to send (on their planned host where it still takes pieces, on another otherwise) and orders for them.
public struct RefillRequest: Codable, Sendable, Equatable {
    /// The segments to refill, each with what the upload stored of it so far.
    public var segments: [SegmentDigests]
    /// Hosts the client could not store pieces on: no piece is placed there again. At most
    /// ``RefillRequest/unreachableLimit``.
    public var unreachable: [HostID]

    /// The most hosts one request names as unreachable.
    public static let unreachableLimit = 256

    public init(segments: [SegmentDigests], unreachable: [HostID] = []) {
        self.segments = segments
        self.unreachable = unreachable
    }
}

/// One segment of an upload and the SHA-256 (hex) of each of its pieces a host accepted, nil where none did.
public struct SegmentDigests: Codable, Sendable, Equatable {
    public var segment: Int
    public var digests: [String?]

    public init(segment: Int, digests: [String?]) {
        self.segment = segment
        self.digests = digests
    }
}

/// `POST /v1/hosts/{id}/storage/inventory`: pieces a storage host holds (`{file}.{segment}.{index}`, at most
/// ``PieceInventory/limit``), for the coordinator to say which the grid does not place there.
public struct PieceInventory: Codable, Sendable, Equatable {
    public var pieces: [String]

    /// The most pieces one inventory request lists.
    public static let limit = 4096

    public init(pieces: [String]) { self.pieces = pieces }
}

/// The answer to a ``PieceInventory``: its pieces that no file of the grid places on the host. The host deletes
/// those it has held longer than `graceSeconds` (a transfer under way is recorded within that time).
public struct PieceInventoryAnswer: Codable, Sendable, Equatable {
    public var unknown: [String]
    public var graceSeconds: Double

    public init(unknown: [String], graceSeconds: Double) {
        self.unknown = unknown
        self.graceSeconds = graceSeconds
    }
}

/// Pieces of a file that a reader found damaged (bytes not matching their digest):
/// `POST /v1/hosts/{id}/files/{file}/damaged`. The leading coordinator audits them first.
public struct DamagedPiecesReport: Codable, Sendable, Equatable {
    /// `[segment, index]` of each piece, at most ``DamagedPiecesReport/limit``.
    public var pieces: [[Int]]

    /// The most pieces one report names.
    public static let limit = 1024

    public init(pieces: [[Int]]) { self.pieces = pieces }
}

/// The answer to a ``DamagedPiecesReport``: how many of its pieces will be audited (the others are no
/// longer stored where the report could mean).
public struct DamagedPiecesReceipt: Codable, Sendable, Equatable {
    public var queued: Int

    public init(queued: Int) { self.queued = queued }
}

/// One stored file as its owner's listing shows it.
public struct FileInfo: Codable, Sendable, Equatable {
    public var fileID: String
    public var sealedName: String
    public var size: Int64
    public var redundancy: String
    /// `uploading`, `stored` or `deleted`.
    public var state: String
    public var createdAt: Double
    /// Fewest pieces any segment has on live hosts; the file is readable while this is at least K.
    public var healthyPieces: Int

    public init(fileID: String, sealedName: String, size: Int64, redundancy: String, state: String, createdAt: Double,
                healthyPieces: Int) {
        self.fileID = fileID
        self.sealedName = sealedName
        self.size = size
        self.redundancy = redundancy
        self.state = state
        self.createdAt = createdAt
        self.healthyPieces = healthyPieces
    }
}

/// `GET /v1/hosts/{id}/space`: what the grid can store and what this donor stores.
public struct StorageSpace: Codable, Sendable, Equatable {
    public var storageHosts: Int
    public var capacityBytes: Int64
    /// Bytes of pieces placed on hosts (all donors).
    public var usedBytes: Int64
    /// The grid's default redundancy (`K+M`), nil with fewer than two storage hosts.
    public var redundancy: String?
    /// Plaintext bytes that still fit at the default redundancy.
    public var availableBytes: Int64
    /// Plaintext bytes of this donor's files.
    public var donorStoredBytes: Int64
    /// Plaintext bytes this donor may store.
    public var donorQuotaBytes: Int64
    public var files: [FileInfo]

    public init(storageHosts: Int, capacityBytes: Int64, usedBytes: Int64, redundancy: String?, availableBytes: Int64,
                donorStoredBytes: Int64, donorQuotaBytes: Int64, files: [FileInfo]) {
        self.storageHosts = storageHosts
        self.capacityBytes = capacityBytes
        self.usedBytes = usedBytes
        self.redundancy = redundancy
        self.availableBytes = availableBytes
        self.donorStoredBytes = donorStoredBytes
        self.donorQuotaBytes = donorQuotaBytes
        self.files = files
    }
}

/// One storage host in `GET /v1/storage`.
public struct StorageHostStatus: Codable, Sendable, Equatable {
    public var host: HostID
    public var name: String
    public var donor: String
    public var url: String
    public var capacityBytes: Int64
    /// Bytes of the pieces placed on it.
    public var placedBytes: Int64
    public var pieces: Int
    public var online: Bool
    public var leaving: Bool
    public var seenAt: Double
    /// Audits of its pieces that found them intact, and that found one missing or damaged.
    public var auditsPassed: Int
    public var auditsFailed: Int
    /// Its audit reputation from 0 to 1, recent audits weighing most (1: a clean record); below 0.95 it takes
    /// new pieces only when no other host can.
    public var auditScore: Double
    /// Since when (seconds since 1970) its audits get errors instead of answers; nil while they are answered.
    /// Past the repair grace its pieces are rebuilt elsewhere and it takes no new ones.
    public var auditsUnansweredSince: Double?

    public init(host: HostID, name: String, donor: String, url: String, capacityBytes: Int64, placedBytes: Int64, pieces: Int,
                online: Bool, leaving: Bool, seenAt: Double, auditsPassed: Int, auditsFailed: Int, auditScore: Double,
                auditsUnansweredSince: Double? = nil) {
        self.auditsPassed = auditsPassed
        self.auditScore = auditScore
        self.auditsFailed = auditsFailed
        self.auditsUnansweredSince = auditsUnansweredSince
        self.host = host
        self.name = name
        self.donor = donor
        self.url = url
        self.capacityBytes = capacityBytes
        self.placedBytes = placedBytes
        self.pieces = pieces
        self.online = online
        self.leaving = leaving
        self.seenAt = seenAt
    }
}

/// `GET /v1/storage`: the grid's storage as the operator sees it.
public struct StorageStatus: Codable, Sendable, Equatable {
    public var hosts: [StorageHostStatus]
    public var files: Int
    public var pieces: Int
    /// Segments with fewer pieces on live hosts than their redundancy asks.
    public var segmentsToRepair: Int
    /// Segments with fewer than K pieces on live hosts: unreadable until a host returns.
    public var segmentsUnreadable: Int
    public var redundancy: String?

    public init(hosts: [StorageHostStatus], files: Int, pieces: Int, segmentsToRepair: Int, segmentsUnreadable: Int,
                redundancy: String?) {
        self.hosts = hosts
        self.files = files
        self.pieces = pieces
        self.segmentsToRepair = segmentsToRepair
        self.segmentsUnreadable = segmentsUnreadable
        self.redundancy = redundancy
    }
}
