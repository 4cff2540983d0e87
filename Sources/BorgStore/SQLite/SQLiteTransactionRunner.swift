/// Write transactions on one embedded SQLite connection: BEGIN IMMEDIATE … COMMIT.
struct SQLiteTransactionRunner: TransactionRunner {
    let connection: SQLiteConnection

    func transaction(_ body: (any SQLConnection) throws -> Void) throws {
        try connection.executeScript("BEGIN IMMEDIATE")
        do {
            try body(connection)
            try connection.executeScript("COMMIT")
        } catch {
            try? connection.executeScript("ROLLBACK")
            throw error
        }
    }
}
