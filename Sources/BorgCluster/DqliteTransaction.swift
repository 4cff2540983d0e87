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
