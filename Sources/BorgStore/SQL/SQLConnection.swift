/// The small executor interface every store backend implements: embedded SQLite, or dqlite.
///
/// A connection is used by one thread at a time. Statements are written in the SQLite dialect, which
/// dqlite also speaks.
public protocol SQLConnection: AnyObject {
    /// Runs one statement that returns no rows.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> SQLExecResult
    /// Runs one statement whose result the caller does not need. A backend may send it without waiting
    /// for the answer (dqlite pipelines it behind the next call that waits): its error then surfaces at
    /// that call or at ``flush()``, still inside the same savepoint or transaction.
    func run(_ sql: String, _ arguments: [SQLValue]) throws
    /// Waits for every statement ``run(_:_:)`` sent; throws the first one's error.
    func flush() throws
    /// Runs one statement and returns all its rows.
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
    /// Runs several `;`-separated statements without arguments (schema, BEGIN, COMMIT).
    func executeScript(_ sql: String) throws
}

extension SQLConnection {
    /// Backends that always wait run a statement as ``execute(_:_:)``.
    public func run(_ sql: String, _ arguments: [SQLValue]) throws {
        try execute(sql, arguments)
    }

    public func flush() throws {}

    public func run(_ sql: String, _ arguments: SQLValue...) throws {
        try run(sql, arguments)
    }

    @discardableResult
    public func execute(_ sql: String, _ arguments: SQLValue...) throws -> SQLExecResult {
        try execute(sql, arguments)
    }

    public func query(_ sql: String, _ arguments: SQLValue...) throws -> [SQLRow] {
        try query(sql, arguments)
    }

    /// The first row, if any.
    public func queryOne(_ sql: String, _ arguments: SQLValue...) throws -> SQLRow? {
        try query(sql, arguments).first
    }
}

/// What a statement changed.
public struct SQLExecResult: Sendable, Equatable {
    public var rowsAffected: Int64
    public var lastInsertID: Int64

    public init(rowsAffected: Int64, lastInsertID: Int64) {
        self.rowsAffected = rowsAffected
        self.lastInsertID = lastInsertID
    }
}

/// An error from the database engine, with its code and message.
public struct SQLError: Error, CustomStringConvertible, Equatable {
    public var code: Int32
    public var message: String
    public var sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        sql.map { "SQL error \(code): \(message) (in: \($0.prefix(120)))" } ?? "SQL error \(code): \(message)"
    }

    /// Constraint violation (UNIQUE, FOREIGN KEY, …).
    public var isConstraint: Bool { code & 0xff == 19 }
}
