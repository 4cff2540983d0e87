/// The outcome of a statement executed with EXEC or EXEC_SQL.
public struct DqliteExecResult: Sendable, Hashable {
    /// `sqlite3_last_insert_rowid()` of the leader's connection after the statement.
    public var lastInsertID: Int64
    /// `sqlite3_changes()` after the statement.
    public var rowsAffected: Int

    /// Creates a result (mostly useful for tests and fakes).
    public init(lastInsertID: Int64, rowsAffected: Int) {
        self.lastInsertID = lastInsertID
        self.rowsAffected = rowsAffected
    }
}
