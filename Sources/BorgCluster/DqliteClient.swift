import Foundation
import Synchronization

/// A thread-safe client of one replicated database, always talking to the current
/// leader.
///
/// It finds the leader by asking the seeds (and cluster members learnt on the way)
/// with LEADER, keeps one connection to it, opens `database` there and caches
/// prepared statements by SQL text. Calls are serialised by a lock; each call's
/// `timeout` starts once it holds the lock.
///
/// Retries: within its deadline a call retries on `.busy`, `.notLeader`,
/// `.disconnected` and `.timeout`, with exponential backoff (20 ms doubling to 0.5 s),
/// rediscovering the leader and re-preparing statements after a reconnect. A write
/// whose reply is lost after it reached the leader is *not* retried: it fails with
/// `.outcomeUnknown` (it may still commit). When the deadline passes the call fails
/// with `.noLeader`, `.busy` or `.timeout` describing the last error; it never hangs.
public final class DqliteClient: @unchecked Sendable {
    /// Addresses (`host:port`) asked first when looking for the leader.
    public let seeds: [String]
    /// The database name every connection opens.
    public let database: String
    /// Time budget of one call, retries included.
    public let timeout: TimeInterval
    /// How connections to the nodes are opened.
    public let dialer: any DqliteDialer

    private static let statementCacheLimit = 256
    private static let probeTimeout: TimeInterval = 1
    private static let firstBackoff: TimeInterval = 0.02
    private static let maxBackoff: TimeInterval = 0.5

    // The lock guards everything below. `lockOwner` holds the thread that has it, so a
    // call from inside a transaction body fails instead of deadlocking.
    private let lock = NSLock()
    private let lockOwner = Atomic<UInt>(0)
    private var connection: DqliteConnection?
    private var statements: [String: DqliteStatement] = [:]
    private var statementOrder: [String] = []
    private var knownAddresses: [String]
    private var lastLeaderAddress: String?

    /// Creates a client; it connects lazily, on the first call, through `dialer`.
    public init(seeds: [String], database: String, timeout: TimeInterval = 5, dialer: any DqliteDialer = TCPDialer()) {
        self.seeds = seeds
        self.database = database
        self.timeout = timeout
        self.dialer = dialer
        knownAddresses = seeds
    }

    /// Closes the leader connection (the next call reconnects). Called from inside a
    /// transaction body, it makes that transaction fail over like a disconnect.
    public func close() {
        if holdsLock {
            discardConnection()
        } else {
            lock.withLock { discardConnection() }
        }
    }

    // MARK: - SQL

    /// Runs one statement that returns no rows, in its own (autocommit) transaction.
    /// Only the first statement of `sql` is run (dqlite's PREPARE ignores the rest);
    /// use `transaction` rather than BEGIN/COMMIT statements. If the leader is lost
    /// after the statement was sent, fails with `.outcomeUnknown` instead of retrying.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [DqliteValue] = []) throws -> DqliteExecResult {
        try locked { deadline in
            try retrying(deadline) { connection in
                let statement = try prepared(sql, on: connection)
                return try write(on: connection, "statement \"\(sql)\"") {
                    try connection.exec(statement, parameters)
                }
            }
        }
    }

    /// Runs one query on the leader and returns all its rows. Queries are retried
    /// freely (they do not change anything). Never use it for writes (e.g.
    /// `INSERT … RETURNING`): dqlite only replicates writes made through EXEC.
    public func query(_ sql: String, _ parameters: [DqliteValue] = []) throws -> DqliteRows {
        try locked { deadline in
            try retrying(deadline) { connection in
                try connection.query(try prepared(sql, on: connection), parameters)
            }
        }
    }

    /// Runs `body` between BEGIN and COMMIT on one leader connection.
    ///
    /// If `body` throws, the transaction is rolled back. If `body` or COMMIT fails with
    /// `.busy`, `.notLeader`, `.disconnected` or `.timeout` the whole body runs again
    /// (so it must not have side effects outside the database) until the deadline.
    /// A COMMIT whose reply is lost fails with `.outcomeUnknown` and is not retried.
    /// Use only the `DqliteTransaction` passed in, on the calling thread, and only
    /// during the call; calling this client from inside `body` throws `.invalidArgument`.
    public func transaction<T>(_ body: (DqliteTransaction) throws -> T) throws -> T {
        try locked { deadline in
            try retrying(deadline) { connection in
                _ = try connection.exec(try prepared("BEGIN", on: connection))
                let transaction = DqliteTransaction(client: self, connection: connection)
                let value: T
                do {
                    defer { transaction.finish() }
                    value = try body(transaction)
                } catch {
                    rollback(on: connection)
                    throw error
                }
                do {
                    let commit = try prepared("COMMIT", on: connection)
                    _ = try write(on: connection, "COMMIT") { try connection.exec(commit) }
                } catch let error as DqliteError {
                    if case .outcomeUnknown = error { throw error }
                    rollback(on: connection)
                    throw error
                }
                return value
            }
        }
    }

    /// EXEC inside a transaction (called by `DqliteTransaction` with the lock held).
    func transactionExecute(_ sql: String, _ parameters: [DqliteValue],
                            on connection: DqliteConnection) throws -> DqliteExecResult {
        try connection.exec(try prepared(sql, on: connection), parameters)
    }

    /// EXEC without waiting for the reply, inside a transaction (called by `DqliteTransaction`).
    func transactionSend(_ sql: String, _ parameters: [DqliteValue], on connection: DqliteConnection) throws {
        try connection.send(try prepared(sql, on: connection), parameters)
    }

    /// QUERY inside a transaction (called by `DqliteTransaction` with the lock held).
    func transactionQuery(_ sql: String, _ parameters: [DqliteValue],
                          on connection: DqliteConnection) throws -> DqliteRows {
        try connection.query(try prepared(sql, on: connection), parameters)
    }

    // MARK: - Membership

    /// The current leader, as confirmed by the leader itself.
    public func leader() throws -> (id: UInt64, address: String) {
        try locked { deadline in
            try retrying(deadline) { connection in
                guard let leader = try connection.leader(), leader.address == connection.address else {
                    throw DqliteError.notLeader(code: DqliteError.notLeaderCode,
                                                message: "\(connection.address) is no longer the leader")
                }
                return leader
            }
        }
    }

    /// The cluster configuration, as the leader knows it.
    public func members() throws -> [DqliteMember] {
        try locked { deadline in
            try retrying(deadline) { connection in
                let members = try connection.cluster()
                learn(members)
                return members
            }
        }
    }

    /// Adds running node `id` at `address` as a spare (promote it with `assign`).
    public func add(id: UInt64, address: String) throws {
        try membershipChange("ADD node \(id) at \(address)") { try $0.add(id: id, address: address) }
        lock.withLock { learn([DqliteMember(id: id, address: address, role: .spare)]) }
    }

    /// Gives node `id` a new role; promotion to voter waits for the node to catch up.
    public func assign(id: UInt64, role: DqliteRole) throws {
        try membershipChange("ASSIGN node \(id) as \(role)") { try $0.assign(id: id, role: role) }
    }

    /// Removes node `id` from the cluster.
    public func remove(id: UInt64) throws {
        try membershipChange("REMOVE node \(id)") { try $0.remove(id: id) }
    }

    /// Hands leadership to voter `id`; the client reconnects to the new leader on its
    /// next call.
    public func transfer(to id: UInt64) throws {
        try membershipChange("TRANSFER leadership to node \(id)") { try $0.transfer(to: id) }
        lock.withLock {
            discardConnection()
            lastLeaderAddress = nil
        }
    }

    private func membershipChange(_ what: String, _ change: (DqliteConnection) throws -> Void) throws {
        try locked { deadline in
            try retrying(deadline) { connection in
                try write(on: connection, what) { try change(connection) }
            }
        }
    }

    // MARK: - Retry machinery (all called with the lock held)

    /// Whether the calling thread is the one holding the lock (inside a transaction body).
    private var holdsLock: Bool {
        lockOwner.load(ordering: .relaxed) == UInt(pthread_self())
    }

    private func locked<T>(_ body: (Deadline) throws -> T) throws -> T {
        if holdsLock {
            throw DqliteError.invalidArgument(
                "DqliteClient called from inside its own transaction body; use the DqliteTransaction passed to the body")
        }
        lock.lock()
        lockOwner.store(UInt(pthread_self()), ordering: .relaxed)
        defer {
            lockOwner.store(0, ordering: .relaxed)
            lock.unlock()
        }
        return try body(Deadline(after: timeout))
    }

    /// Runs `attempt` on the leader connection until it succeeds, fails with a
    /// non-retryable error, or the deadline passes.
    private func retrying<T>(_ deadline: Deadline, _ attempt: (DqliteConnection) throws -> T) throws -> T {
        var backoff = Self.firstBackoff
        var attempts = 0
        while true {
            attempts += 1
            let lastError: DqliteError
            do {
                return try attempt(try leaderConnection(deadline))
            } catch let error as DqliteError {
                switch error {
                case .busy:
                    lastError = error
                case .notLeader, .disconnected, .timeout, .noLeader:
                    discardConnection()
                    lastError = error
                default:
                    throw error
                }
            }
            let pause = backoff * Double.random(in: 0.5...1)
            if deadline.remainingSeconds <= pause {
                throw exhausted(lastError, attempts: attempts)
            }
            Thread.sleep(forTimeInterval: pause)
            backoff = min(backoff * 2, Self.maxBackoff)
        }
    }

    private func exhausted(_ last: DqliteError, attempts: Int) -> DqliteError {
        let context = "gave up after \(attempts) attempt(s) in \(timeout) s"
        switch last {
        case let .busy(code, message):
            return .busy(code: code, message: "\(message) (\(context))")
        case let .timeout(message):
            return .timeout("\(message) (\(context))")
        case let .noLeader(message):
            return .noLeader("no leader of \"\(database)\" reachable via \(knownAddresses) (\(context)); last attempt: \(message)")
        default:
            return .noLeader("no leader of \"\(database)\" reachable via \(knownAddresses) (\(context)); last error: \(last)")
        }
    }

    /// Runs a request that changes state; if its reply is lost after it was sent (or the
    /// leader lost leadership while committing it), reports `.outcomeUnknown`.
    private func write<T>(on connection: DqliteConnection, _ what: String, _ request: () throws -> T) throws -> T {
        do {
            return try request()
        } catch let error as DqliteError where connection.requestDelivered {
            switch error {
            case .disconnected, .timeout, .protocolViolation,
                 .notLeader(DqliteError.leadershipLostCode, _):
                discardConnection()
                throw DqliteError.outcomeUnknown("\(what) was sent to \(connection.address), then: \(error)")
            default:
                throw error
            }
        }
    }

    private func rollback(on connection: DqliteConnection) {
        do {
            _ = try connection.exec(try prepared("ROLLBACK", on: connection))
        } catch {
            // Closing the connection makes the node roll back whatever is open.
            discardConnection()
        }
    }

    private func leaderConnection(_ deadline: Deadline) throws -> DqliteConnection {
        if let connection, !connection.isClosed {
            connection.operationDeadline = deadline
            return connection
        }
        discardConnection()
        var candidates: [String] = []
        for address in [lastLeaderAddress].compactMap({ $0 }) + knownAddresses where !candidates.contains(address) {
            candidates.append(address)
        }
        var failures: [String] = []
        for address in candidates where !deadline.isExpired {
            do {
                let connection = try connectIfLeader(address, deadline)
                self.connection = connection
                return connection
            } catch let DqliteError.noLeader(reason) {
                failures.append("\(address) \(reason)")
            } catch {
                failures.append("\(address): \(error)")
            }
        }
        throw DqliteError.noLeader(failures.isEmpty ? "no seeds to ask" : failures.joined(separator: "; "))
    }

    /// Asks `address` for the leader and returns an opened connection to the leader.
    private func connectIfLeader(_ address: String, _ deadline: Deadline) throws -> DqliteConnection {
        let probeDeadline = deadline.capped(at: Self.probeTimeout)
        let probe = try DqliteConnection(address: address, timeout: probeDeadline.remainingSeconds, dialer: dialer)
        guard let leader = try probe.leader() else {
            throw DqliteError.noLeader("knows no leader")
        }
        var connection = probe
        if leader.address != address {
            probe.close()
            connection = try DqliteConnection(address: leader.address,
                                              timeout: deadline.capped(at: Self.probeTimeout).remainingSeconds, dialer: dialer)
            guard try connection.leader()?.address == leader.address else {
                throw DqliteError.noLeader("named \(leader.address) as leader, which denies it")
            }
        }
        connection.timeout = timeout
        connection.operationDeadline = deadline
        do {
            try connection.open(database: database)
            try Self.keepUncommittedPagesInMemory(connection)
            learn(try connection.cluster())
        } catch {
            connection.close()
            throw error
        }
        lastLeaderAddress = leader.address
        return connection
    }

    /// Turns off SQLite's cache spill on the leader's connection. dqlite 1.11's in-memory WAL cannot read
    /// back a page that a transaction spilled while the WAL is empty (just after dqlite checkpointed it):
    /// the read fails with `SQLITE_IOERR_SHORT_READ` (522) and the transaction is lost (dqlite issue 432,
    /// fixed in 1.13). Without spilling, a transaction's dirty pages stay in the leader's memory until COMMIT.
    private static func keepUncommittedPagesInMemory(_ connection: DqliteConnection) throws {
        _ = try connection.execSQL("PRAGMA cache_spill = OFF")
    }

    private func learn(_ members: [DqliteMember]) {
        for member in members where !knownAddresses.contains(member.address) {
            knownAddresses.append(member.address)
        }
    }

    private func discardConnection() {
        connection?.close()
        connection = nil
        statements = [:]
        statementOrder = []
    }

    /// The statement for `sql` on `connection`, prepared once and cached.
    private func prepared(_ sql: String, on connection: DqliteConnection) throws -> DqliteStatement {
        if let statement = statements[sql] {
            return statement
        }
        if statements.count >= Self.statementCacheLimit {
            let oldest = statementOrder.removeFirst()
            if let statement = statements.removeValue(forKey: oldest) {
                try connection.finalize(statement)
            }
        }
        let statement = try connection.prepare(sql)
        statements[sql] = statement
        statementOrder.append(sql)
        return statement
    }
}
