/// The handle a `DqliteClient.transaction` body uses to run statements inside the
/// open transaction. Valid only during that body, on its thread.
public final class DqliteTransaction {
    private unowned let client: DqliteClient
    private let connection: DqliteConnection
    private var isActive = true

    init(client: DqliteClient, connection: DqliteConnection) {
        self.client = client
        self.connection = connection
    }

    /// Runs one statement that returns no rows inside the transaction.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [DqliteValue] = []) throws -> DqliteExecResult {
        try checkActive()
        return try client.transactionExecute(sql, parameters, on: connection)
    }

    /// Sends one statement that returns no rows without waiting for its answer (see
    /// `DqliteConnection.send`); a failure is thrown by the next call that waits, or by ``flush()``.
    public func run(_ sql: String, _ parameters: [DqliteValue] = []) throws {
        try checkActive()
        try client.transactionSend(sql, parameters, on: connection)
    }

    /// Waits for the answers to every statement ``run(_:_:)`` sent; throws the first failure.
    public func flush() throws {
        try checkActive()
        try connection.collect()
    }

    /// Runs one query inside the transaction and returns all its rows.
    public func query(_ sql: String, _ parameters: [DqliteValue] = []) throws -> DqliteRows {
        try checkActive()
        return try client.transactionQuery(sql, parameters, on: connection)
    }

    func finish() {
        isActive = false
    }

    private func checkActive() throws {
        guard isActive else {
            throw DqliteError.invalidArgument("transaction used after its body returned")
        }
    }
}
