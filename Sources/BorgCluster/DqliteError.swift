/// Errors raised by the dqlite client and node wrapper.
public enum DqliteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The node answered with a FAILURE response (an SQLite or dqlite error code
    /// and message) that is neither "not leader" nor "busy".
    case failure(code: UInt64, message: String)
    /// The node is not, or stopped being, the leader: SQLITE_IOERR_NOT_LEADER (10250,
    /// nothing was done) or SQLITE_IOERR_LEADERSHIP_LOST (10506, a write was cut off and
    /// may still commit through the next leader).
    case notLeader(code: UInt64, message: String)
    /// SQLITE_BUSY (5) or one of its extended codes (`code & 0xff == 5`): another
    /// connection holds the write lock, or a membership change is in progress.
    case busy(code: UInt64, message: String)
    /// The TCP connection could not be made, or it was closed or broke.
    case disconnected(String)
    /// No complete reply arrived within the timeout; the connection was closed.
    case timeout(String)
    /// The peer sent something that is not valid dqlite protocol; the connection was closed.
    case protocolViolation(String)
    /// The caller passed something the protocol cannot carry (e.g. NUL in text, more
    /// than 255 parameters, wrong parameter count) or misused the API.
    case invalidArgument(String)
    /// No leader could be reached through the seeds and known members before the deadline.
    case noLeader(String)
    /// A write (an autocommit statement, a COMMIT, or a membership change) reached the
    /// leader but its reply was lost (leadership lost, disconnect or timeout). It may or
    /// may not have been applied; the client does not retry it by itself.
    case outcomeUnknown(String)
    /// A call of the embedded node C API failed (`code` is its return value), or the
    /// node's data directory could not be created (`code` -1).
    case node(code: Int32, message: String)

    /// SQLITE_IOERR_NOT_LEADER: `SQLITE_IOERR | (40 << 8)` (dqlite `src/leader.h`).
    public static let notLeaderCode: UInt64 = 10250
    /// SQLITE_IOERR_LEADERSHIP_LOST: `SQLITE_IOERR | (41 << 8)` (dqlite `src/leader.h`).
    public static let leadershipLostCode: UInt64 = 10506

    /// What a node answers on a connection whose database it closed when it lost leadership.
    static let staleDatabaseCode: UInt64 = 12
    static let staleDatabaseMessage = "no database opened"

    /// Maps a FAILURE response to the matching case.
    static func fromFailure(code: UInt64, message: String) -> DqliteError {
        if code == notLeaderCode || code == leadershipLostCode {
            return .notLeader(code: code, message: message)
        }
        if code & 0xff == 5 {
            return .busy(code: code, message: message)
        }
        if code == staleDatabaseCode && message == staleDatabaseMessage {
            // A node that lost leadership closes its connections' databases; one that leads again answers
            // them this, for good. Nothing ran: the connection is stale, as if it had broken.
            return .disconnected("the node closed this connection's database when it lost leadership (\(message))")
        }
        return .failure(code: code, message: message)
    }

    public var description: String {
        switch self {
        case let .failure(code, message): return "dqlite failure \(code): \(message)"
        case let .notLeader(code, message): return "dqlite not leader (\(code)): \(message)"
        case let .busy(code, message): return "dqlite busy (\(code)): \(message)"
        case let .disconnected(message): return "dqlite disconnected: \(message)"
        case let .timeout(message): return "dqlite timeout: \(message)"
        case let .protocolViolation(message): return "dqlite protocol violation: \(message)"
        case let .invalidArgument(message): return "dqlite invalid argument: \(message)"
        case let .noLeader(message): return "dqlite no leader: \(message)"
        case let .outcomeUnknown(message): return "dqlite write outcome unknown: \(message)"
        case let .node(code, message): return "dqlite node error \(code): \(message)"
        }
    }
}
