import BorgCluster

/// ``SQLConnection`` over dqlite: either inside a ``DqliteTransaction`` (writes) or straight on a
/// ``DqliteClient`` (reads, autocommit). Engine errors become ``SQLError``; errors that mean the
/// transaction must run again (busy, leader lost, disconnect) pass through unchanged and are remembered in
/// ``interruption``, so a body that swallows them cannot make a broken transaction commit.
final class DqliteSQLConnection: SQLConnection {
    private let exec: (String, [DqliteValue]) throws -> DqliteExecResult
    private let send: (String, [DqliteValue]) throws -> Void
    private let collect: () throws -> Void
    private let fetch: (String, [DqliteValue]) throws -> DqliteRows
    /// Whether statements run inside one transaction (then an interruption dooms the rest of it).
    private let inTransaction: Bool
    /// The first error that aborts the whole transaction, if any.
    private(set) var interruption: DqliteError?

    /// Inside a transaction, ``run(_:_:)`` pipelines statements (see `DqliteTransaction.run`).
    init(transaction: DqliteTransaction) {
        exec = { try transaction.execute($0, $1) }
        send = { try transaction.run($0, $1) }
        collect = { try transaction.flush() }
        fetch = { try transaction.query($0, $1) }
        inTransaction = true
    }

    init(client: DqliteClient) {
        exec = { try client.execute($0, $1) }
        send = { _ = try client.execute($0, $1) }
        collect = {}
        fetch = { try client.query($0, $1) }
        inTransaction = false
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> SQLExecResult {
        let result = try translatingErrors(sql) { try exec(sql, arguments.map(\.dqlite)) }
        return SQLExecResult(rowsAffected: Int64(result.rowsAffected), lastInsertID: result.lastInsertID)
    }

    func run(_ sql: String, _ arguments: [SQLValue]) throws {
        try translatingErrors(sql) { try send(sql, arguments.map(\.dqlite)) }
    }

    func flush() throws {
        try translatingErrors(nil) { try collect() }
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let rows = try translatingErrors(sql) { try fetch(sql, arguments.map(\.dqlite)) }
        return rows.rows.map { SQLRow($0.map(SQLValue.init)) }
    }

    func executeScript(_ sql: String) throws {
        for statement in SQLScript.statements(sql) {
            try execute(statement, [])
        }
    }

    /// `sql` names the statement in errors (nil when the failing one is not known: a pipelined one).
    private func translatingErrors<T>(_ sql: String?, _ body: () throws -> T) throws -> T {
        // Once the transaction is doomed, fail at once instead of running the rest of it.
        if let interruption { throw interruption }
        do {
            return try body()
        } catch let DqliteError.failure(code, message) {
            throw SQLError(code: Int32(truncatingIfNeeded: code), message: message, sql: sql)
        } catch let DqliteError.invalidArgument(message) {
            throw SQLError(code: 21, message: message, sql: sql)
        } catch let error as DqliteError {
            if inTransaction && interruption == nil { interruption = error }
            throw error
        }
    }
}
