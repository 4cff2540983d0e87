import BorgCluster

/// Write transactions on the dqlite leader. The client re-runs the whole body when the leader changes or
/// the database is busy; when no leader answers in time, or a commit's fate is lost with the leader, the
/// error becomes ``StoreUnavailable``.
struct DqliteTransactionRunner: TransactionRunner {
    let client: DqliteClient

    func transaction(_ body: (any SQLConnection) throws -> Void) throws {
        do {
            try client.transaction { transaction in
                let connection = DqliteSQLConnection(transaction: transaction)
                try body(connection)
                if let interruption = connection.interruption { throw interruption }
            }
        } catch let error as DqliteError {
            throw Self.storeError(error)
        }
    }

    /// What a dqlite error that survived the client's retries means to the store's callers.
    static func storeError(_ error: DqliteError) -> any Error {
        switch error {
        case let .failure(code, message):
            return SQLError(code: Int32(truncatingIfNeeded: code), message: message)
        case .outcomeUnknown:
            return StoreUnavailable(.outcomeUnknown, error.description)
        default:
            return StoreUnavailable(.noQuorum, error.description)
        }
    }
}
