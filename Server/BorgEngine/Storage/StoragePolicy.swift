import BorgStore

/// Timings of storage donation.
public struct StoragePolicy: Sendable, Equatable {
    /// A storage host counts as online while its last offer is at most this many seconds old.
    public var onlineWindow: Double
    /// Seconds an order the coordinator signs stays valid; an upload not committed within it is abandoned.
    public var orderLifetime: Double
    /// Seconds a storage host may be silent before its pieces are rebuilt elsewhere: a host that drops out
    /// for a moment (a reboot, a flapping link) causes no repair.
    public var repairGrace: Double
    /// Plaintext bytes per segment when the client does not choose.
    public static let defaultSegmentSize = 1 << 20
    /// Bounds of a segment's plaintext size.
    public static let segmentSizes = (4 << 10)...(16 << 20)

    public init(onlineWindow: Double = 60, orderLifetime: Double = 3_600, repairGrace: Double = 900) {
        self.onlineWindow = onlineWindow
        self.orderLifetime = orderLifetime
        self.repairGrace = repairGrace
    }

    /// Whether the host takes part in storage now: not removed, and its last offer recent.
    public func isOnline(_ host: StorageHostRecord, now: Double) -> Bool {
        host.active && host.seenAt >= now - onlineWindow
    }

    /// Whether the host's audits are in good standing: at most one failed for every 20 passed. A host that
    /// lost a piece to a flipped bit keeps its standing once it has passed 20 audits; one that drops pieces
    /// (a tenth of its audits failing, say) loses it, and takes new pieces only when no other host can.
    public static func auditsInGoodStanding(_ host: StorageHostRecord) -> Bool {
        host.auditsFailed * 20 <= host.auditsPassed
    }
}
