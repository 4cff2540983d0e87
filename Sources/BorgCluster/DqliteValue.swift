/// One SQL value as carried by the dqlite wire protocol, both as a bound
/// parameter and as a result column.
///
/// dqlite also has three "special" wire types that it derives from a column's
/// *declared* type; the client decodes them into the plain cases:
/// - `UNIXTIME` (code 9, INTEGER in a `DATETIME`/`DATE`/`TIMESTAMP` column) → `.integer` (seconds),
/// - `ISO8601` (code 10, TEXT or NULL in such a column) → `.text`, or `.null` when empty
///   (dqlite sends NULL there as an empty string, so an empty string reads back as `.null`),
/// - `BOOLEAN` (code 11, a `BOOLEAN` column) → `.integer(0 | 1)`
///   (dqlite sends NULL there as 0, so NULL reads back as `.integer(0)`).
/// Declare columns as INTEGER/TEXT if that lossiness matters.
public enum DqliteValue: Sendable, Hashable {
    /// A signed 64-bit integer (SQLite INTEGER).
    case integer(Int64)
    /// A 64-bit IEEE float (SQLite REAL). SQLite stores a bound NaN as NULL.
    case float(Double)
    /// UTF-8 text. It must not contain NUL characters: the protocol NUL-terminates text.
    case text(String)
    /// Raw bytes (SQLite BLOB).
    case blob([UInt8])
    /// SQL NULL.
    case null
}
