/// A fully read result set: every batch of a multi-message ROWS response joined.
public struct DqliteRows: Sendable, Hashable {
    /// Column names, as SQLite reports them (`sqlite3_column_name`).
    public var columns: [String]
    /// The rows in order; each row has exactly `columns.count` values.
    public var rows: [[DqliteValue]]

    /// Creates a result set (mostly useful for tests and fakes).
    public init(columns: [String], rows: [[DqliteValue]]) {
        self.columns = columns
        self.rows = rows
    }
}
