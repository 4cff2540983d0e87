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

    /// Seconds within which a transfer under an order is over: the order's lifetime and a margin for one under
    /// way when it expired. An upload not committed by then is dropped; a piece a host got that long ago and
    /// the grid does not place there is not coming.
    public var transferWindow: Double { orderLifetime + min(60, orderLifetime) }

    /// Whether the host takes part in storage now: not removed, and its last offer recent.
    public func isOnline(_ host: StorageHostRecord, now: Double) -> Bool {
        host.active && host.seenAt >= now - onlineWindow
    }

    /// How much of its audit reputation a host keeps at each audit (Storj's λ): the record looks back over
    /// about 1 / (1 − λ) = 1,000 audits (some 40 minutes at two audits per host every 5 s), so a long clean past
    /// does not cover a host that starts dropping pieces, and a few failures by chance do not decide.
    public static let auditForgetting = 0.999
    /// The audit score (``StorageHostRecord/auditScore``) a host in good standing has at least.
    public static let goodStandingScore = 0.95

    /// Whether the host's audits are in good standing: its score at least ``goodStandingScore``. A host with a
    /// long clean record keeps it through a piece lost to a flipped bit; a new host whose first audit fails
    /// regains it after some 18 passed. One that drops a tenth of its pieces falls out of it within about 630
    /// audits of starting, whatever it passed before (lifetime counts would take ever longer), and then takes
    /// new pieces only when no other host can.
    public static func auditsInGoodStanding(_ host: StorageHostRecord) -> Bool {
        host.auditScore >= goodStandingScore
    }
}
