/// A statement prepared on one `DqliteConnection` (server-side handle).
///
/// It is only valid on the connection that prepared it, until that connection
/// finalizes it or closes; the connection refuses other statements before sending
/// anything, because dqlite 1.11 crashes (NULL dereference in `stmt__registry_get`)
/// when asked to run a finalized statement ID.
public struct DqliteStatement: Sendable, Hashable {
    /// The database ID the statement belongs to (always 0 in dqlite 1.11).
    public let databaseID: UInt32
    /// The server-assigned statement ID.
    public let id: UInt32
    /// How many parameters the statement takes (`sqlite3_bind_parameter_count`).
    public let parameterCount: Int
    /// The connection that prepared it.
    let owner: ObjectIdentifier
}
