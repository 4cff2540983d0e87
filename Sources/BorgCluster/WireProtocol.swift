/// Constants of dqlite's client wire protocol, version 1 (dqlite `src/protocol.h`).
enum WireProtocol {
    /// Sent once, as a little-endian u64, right after connecting.
    static let version: UInt64 = 1
    /// Size of a message header and the unit of body lengths.
    static let wordSize = 8
    /// Final u64 of a ROWS body when the result set is complete.
    static let rowsDone: UInt64 = 0xffff_ffff_ffff_ffff
    /// Final u64 of a ROWS body when another ROWS message follows.
    static let rowsPart: UInt64 = 0xeeee_eeee_eeee_eeee
    /// dqlite 1.11 counts bound parameters in one byte.
    static let maxParameters = 255
    /// Replies larger than this are treated as corrupt (SQLite's own value limit is 1e9 bytes).
    static let maxReplyBytes = 1 << 31
    /// Cluster format carrying each member's role.
    static let clusterFormatV1: UInt64 = 1

    enum Request: UInt8 {
        case leader = 0
        case open = 3
        case prepare = 4
        case exec = 5
        case query = 6
        case finalize = 7
        case execSQL = 8
        case querySQL = 9
        case add = 12
        case assign = 13
        case remove = 14
        case cluster = 16
        case transfer = 17
    }

    enum Response: UInt8 {
        case failure = 0
        case server = 1
        case servers = 3
        case db = 4
        case stmt = 5
        case result = 6
        case rows = 7
        case empty = 8
    }

    /// Value type codes of tuples (`src/tuple.h`, `src/protocol.h`).
    enum ValueType: UInt8 {
        case integer = 1
        case float = 2
        case text = 3
        case blob = 4
        case null = 5
        case unixTime = 9
        case iso8601 = 10
        case boolean = 11
    }

    /// Rounds `count` up to a whole number of words.
    static func padded(_ count: Int) -> Int {
        (count + wordSize - 1) / wordSize * wordSize
    }
}
