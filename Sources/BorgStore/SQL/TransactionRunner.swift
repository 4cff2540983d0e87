/// Runs one write transaction for the ``GroupCommitWriter``: begins it, runs the body on a connection
/// inside it and commits. A backend may run the body more than once (dqlite re-runs it after losing the
/// leader), so the body must only touch the database.
public protocol TransactionRunner {
    /// Runs `body` in one transaction and commits; throws (after rolling back) if the body or the commit fails.
    func transaction(_ body: (any SQLConnection) throws -> Void) throws
}
