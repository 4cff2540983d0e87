import Foundation

/// The single writer: merges the write bodies that callers submit concurrently into one transaction.
///
/// Runs on its own thread (blocking database calls stay off the concurrency pool). Each body runs in a
/// savepoint; a body that throws is rolled back alone and its caller gets the error. Callers resume
/// only after the shared transaction committed, so a returned write is durable.
public final class GroupCommitWriter: @unchecked Sendable {
    struct Job {
        /// Runs the body; tells why it failed (nil: it did not) and how to deliver its result once the commit's
        /// fate is known.
        let run: (any SQLConnection) -> (failure: (any Error)?, deliver: ((any Error)?) -> Void)
    }

    private let runner: any TransactionRunner
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var stopping = false
    private var finished = false
    /// Most bodies merged into one transaction.
    let maxBatch: Int
    /// Statistics: transactions committed and bodies run, for benchmarks and tests.
    private(set) var transactions = 0
    private(set) var bodies = 0

    /// Starts the writer thread on `transactions`, which it owns from now on.
    public init(transactions: any TransactionRunner, maxBatch: Int = 1024) {
        runner = transactions
        self.maxBatch = maxBatch
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "borg-store-writer"
        thread.start()
    }

    /// Runs `body` in the next group transaction and returns its result after commit.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job { connection in
                let result = Result { try body(connection) }
                let failure: (any Error)?
                if case .failure(let error) = result { failure = error } else { failure = nil }
                return (failure, { commitError in
                    if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(with: result) }
                })
            }
            condition.lock()
            if stopping {
                condition.unlock()
                continuation.resume(throwing: SQLError(code: 21, message: "the store is closed"))
                return
            }
            pending.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// (transactions, bodies) committed so far.
    public var statistics: (transactions: Int, bodies: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (transactions, bodies)
    }

    /// Runs what is pending, then stops the thread. Later writes fail.
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    /// Runs every job of `batch` in one transaction, each in its own savepoint. If the runner re-runs the
    /// transaction (dqlite after a leader change), the jobs run again and only the last run's results count.
    /// A statement a body sent without waiting (``SQLConnection/run(_:_:)``) that failed makes that body
    /// fail: it is rolled back to its savepoint and its caller gets the error.
    private func commit(_ batch: [Job]) {
        var deliveries: [((any Error)?) -> Void] = []
        do {
            try runner.transaction { connection in
                deliveries = []
                deliveries.reserveCapacity(batch.count)
                for job in batch {
                    try connection.run("SAVEPOINT body", [])
                    var (failure, deliver) = job.run(connection)
                    do {
                        try connection.flush()
                    } catch {
                        if failure == nil { deliver = { [deliver] _ in deliver(error) } }
                        failure = failure ?? error
                    }
                    if let failure {
                        do {
                            try connection.execute("ROLLBACK TO body", [])
                        } catch {
                            // The failure ended the whole transaction (its savepoint is gone): every body
                            // of the group fails, with the reason rather than with the rollback's complaint.
                            throw failure
                        }
                    }
                    try connection.run("RELEASE body", [])
                    deliveries.append(deliver)
                }
            }
        } catch {
            // The transaction did not commit: every caller gets the reason.
            for job in batch { job.run(FailingConnection(error: error)).deliver(error) }
            return
        }
        condition.lock()
        transactions += 1
        bodies += batch.count
        condition.unlock()
        for deliver in deliveries { deliver(nil) }
    }
}

/// Stands in for the connection when a transaction did not commit: every call fails with `error`,
/// so a job's body ends at once and its caller gets the reason.
private final class FailingConnection: SQLConnection {
    let error: any Error
    init(error: any Error) { self.error = error }
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> SQLExecResult { throw error }
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] { throw error }
    func executeScript(_ sql: String) throws { throw error }
}
