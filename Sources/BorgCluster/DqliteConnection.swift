import Foundation

/// One connection to one dqlite node, speaking protocol version 1, opened by a `DqliteDialer`.
///
/// Every call blocks until the node replies or `timeout` passes. FAILURE replies
/// are thrown as `DqliteError` (`.notLeader`, `.busy`, `.failure`) and leave the
/// connection usable. Transport errors, timeouts and undecodable replies close the
/// connection (its request/reply stream can no longer be trusted): later calls throw
/// `.disconnected`.
///
/// Not thread-safe: use one connection from one thread at a time. dqlite serves a
/// connection strictly one request at a time; this type never pipelines.
public final class DqliteConnection {
    /// The node's `host:port`.
    public let address: String
    /// Upper bound for each request: sending it and reading its whole reply
    /// (all ROWS batches of a query).
    public var timeout: TimeInterval
    /// The database opened with `open(database:)`, if any.
    public private(set) var databaseID: UInt32?
    /// True once the connection was closed, by `close()` or after a transport error.
    public var isClosed: Bool { stream.isClosed }
    /// Whether the last request was completely written to the socket. When a call
    /// fails with `.disconnected`/`.timeout` and this is true, the node may have
    /// acted on the request.
    private(set) var requestDelivered = false
    /// Statements prepared here and not finalized.
    private var liveStatements: Set<UInt32> = []
    /// EXEC requests sent by ``send(_:_:)`` whose replies were not read yet.
    private var unansweredExecs = 0
    /// The first FAILURE among the replies to sent EXECs, not yet thrown.
    private var pipelinedFailure: DqliteError?
    /// Most EXECs in flight; their replies (24 bytes each) must fit the socket buffers.
    public static let pipelineDepth = 64
    /// An outer deadline (set by `DqliteClient`) that caps every request's `timeout`.
    var operationDeadline: Deadline?

    private let stream: SocketStream

    /// Connects to `address` (`host:port`) through `dialer` and sends the protocol version.
    /// `timeout` bounds the connect and, later, each request.
    public init(address: String, timeout: TimeInterval, dialer: any DqliteDialer = TCPDialer()) throws {
        self.address = address
        self.timeout = timeout
        let deadline = Deadline(after: timeout)
        stream = try SocketStream(address: address, deadline: deadline, dialer: dialer)
        var handshake = [UInt8]()
        withUnsafeBytes(of: WireProtocol.version.littleEndian) { handshake.append(contentsOf: $0) }
        try stream.write(handshake, deadline: deadline)
    }

    /// Closes the socket. The node then drops this connection's open database,
    /// prepared statements and any open transaction (which rolls back).
    public func close() {
        stream.close()
    }

    // MARK: - Cluster requests

    /// Asks the node which node it believes is the leader (LEADER). Returns nil when it
    /// knows none, which is also the answer of nodes that are not voters.
    public func leader() throws -> (id: UInt64, address: String)? {
        var request = MessageWriter()
        request.uint64(0)
        var reply = try roundTrip(request, .leader, expecting: .server)
        let id = try reply.uint64()
        let address = try reply.text()
        try reply.expectEnd(of: "SERVER")
        return address.isEmpty ? nil : (id, address)
    }

    /// The cluster configuration as this node knows it (CLUSTER, format 1).
    public func cluster() throws -> [DqliteMember] {
        var request = MessageWriter()
        request.uint64(WireProtocol.clusterFormatV1)
        var reply = try roundTrip(request, .cluster, expecting: .servers)
        let count = try reply.uint64()
        var members: [DqliteMember] = []
        for _ in 0..<count {
            let id = try reply.uint64()
            let address = try reply.text()
            let code = try reply.uint64()
            guard let role = DqliteRole(rawValue: code) else {
                throw brokenProtocol("unknown role code \(code) for node \(id)")
            }
            members.append(DqliteMember(id: id, address: address, role: role))
        }
        try reply.expectEnd(of: "SERVERS")
        return members
    }

    /// Adds node `id` at `address` to the configuration as a spare (ADD). Leader only;
    /// the node must already be running.
    public func add(id: UInt64, address: String) throws {
        var request = MessageWriter()
        request.uint64(id)
        try request.text(address, what: "node address")
        try expectEmpty(request, .add)
    }

    /// Changes the role of node `id` (ASSIGN). Leader only. Promoting to voter waits
    /// until the node has caught up with the log.
    public func assign(id: UInt64, role: DqliteRole) throws {
        var request = MessageWriter()
        request.uint64(id)
        request.uint64(role.rawValue)
        try expectEmpty(request, .assign)
    }

    /// Removes node `id` from the configuration (REMOVE). Leader only.
    public func remove(id: UInt64) throws {
        var request = MessageWriter()
        request.uint64(id)
        try expectEmpty(request, .remove)
    }

    /// Hands leadership to voter `id` (TRANSFER); returns once this node is no longer
    /// leader. Leader only.
    public func transfer(to id: UInt64) throws {
        var request = MessageWriter()
        request.uint64(id)
        try expectEmpty(request, .transfer)
    }

    // MARK: - Database requests

    /// Opens (creating if needed) the replicated database `name` (OPEN). A connection
    /// can open one database, once. Works on any node; statements that run must go to
    /// the leader.
    public func open(database name: String) throws {
        guard databaseID == nil else {
            throw DqliteError.invalidArgument("a database is already open on this connection")
        }
        var request = MessageWriter()
        try request.text(name, what: "database name")
        request.uint64(0)
        try request.text("volatile", what: "vfs name")
        var reply = try roundTrip(request, .open, expecting: .db)
        let id = try reply.uint32()
        try reply.skip(4)
        try reply.expectEnd(of: "DB")
        databaseID = id
    }

    /// Compiles the first statement of `sql` on the node (PREPARE). Any SQL after the
    /// first statement is ignored by dqlite.
    public func prepare(_ sql: String) throws -> DqliteStatement {
        var request = MessageWriter()
        request.uint64(UInt64(try openDatabase()))
        try request.text(sql, what: "SQL text")
        var reply = try roundTrip(request, .prepare, expecting: .stmt)
        let database = try reply.uint32()
        let id = try reply.uint32()
        let parameters = try reply.uint64()
        try reply.expectEnd(of: "STMT")
        liveStatements.insert(id)
        return DqliteStatement(databaseID: database, id: id, parameterCount: Int(clamping: parameters),
                               owner: ObjectIdentifier(self))
    }

    /// Runs a prepared statement that returns no rows (EXEC). Leader only.
    @discardableResult
    public func exec(_ statement: DqliteStatement, _ parameters: [DqliteValue] = []) throws -> DqliteExecResult {
        let request = try statementRequest(statement, parameters)
        return try result(of: request, .exec)
    }

    /// Sends a prepared statement that returns no rows (EXEC) without waiting for its reply. dqlite reads
    /// a connection's next request only after answering the previous one, so requests queue in order;
    /// the reply is read before the next request that waits (``collect()``, any other call), and a
    /// FAILURE among such replies is thrown there. Use inside a transaction, where nothing is final
    /// before COMMIT. Leader only.
    public func send(_ statement: DqliteStatement, _ parameters: [DqliteValue] = []) throws {
        if unansweredExecs >= Self.pipelineDepth { try readSentReplies() }
        let request = try statementRequest(statement, parameters)
        try transmit(request, .exec, deadline: requestDeadline())
        unansweredExecs += 1
    }

    /// Reads the replies to every EXEC ``send(_:_:)`` sent; throws the first FAILURE among them.
    public func collect() throws {
        try readSentReplies()
        if let failure = pipelinedFailure {
            pipelinedFailure = nil
            throw failure
        }
    }

    /// Runs a prepared statement and reads all its rows (QUERY). Leader only.
    public func query(_ statement: DqliteStatement, _ parameters: [DqliteValue] = []) throws -> DqliteRows {
        let request = try statementRequest(statement, parameters)
        return try rows(of: request, .query)
    }

    /// Releases a prepared statement on the node (FINALIZE).
    public func finalize(_ statement: DqliteStatement) throws {
        try checkLive(statement)
        var request = MessageWriter()
        request.uint32(statement.databaseID)
        request.uint32(statement.id)
        try expectEmpty(request, .finalize)
        liveStatements.remove(statement.id)
    }

    /// Runs `sql` without preparing it first (EXEC_SQL). Several `;`-separated
    /// statements are allowed, but `parameters` bind to the first one only, and the
    /// result describes the last one. Leader only.
    @discardableResult
    public func execSQL(_ sql: String, _ parameters: [DqliteValue] = []) throws -> DqliteExecResult {
        let request = try sqlRequest(sql, parameters)
        return try result(of: request, .execSQL)
    }

    /// Runs one query without preparing it first (QUERY_SQL) and reads all its rows.
    /// Leader only.
    public func querySQL(_ sql: String, _ parameters: [DqliteValue] = []) throws -> DqliteRows {
        let request = try sqlRequest(sql, parameters)
        return try rows(of: request, .querySQL)
    }

    // MARK: - Plumbing

    private func openDatabase() throws -> UInt32 {
        guard let id = databaseID else {
            throw DqliteError.invalidArgument("no database open on this connection; call open(database:) first")
        }
        return id
    }

    private func checkLive(_ statement: DqliteStatement) throws {
        guard statement.owner == ObjectIdentifier(self), liveStatements.contains(statement.id) else {
            throw DqliteError.invalidArgument(
                "statement \(statement.id) was not prepared on this connection or was finalized")
        }
    }

    private func statementRequest(_ statement: DqliteStatement, _ parameters: [DqliteValue]) throws -> MessageWriter {
        try checkLive(statement)
        guard parameters.count == statement.parameterCount else {
            throw DqliteError.invalidArgument(
                "statement takes \(statement.parameterCount) parameters, \(parameters.count) given")
        }
        var request = MessageWriter()
        request.uint32(statement.databaseID)
        request.uint32(statement.id)
        try request.parameters(parameters)
        return request
    }

    private func sqlRequest(_ sql: String, _ parameters: [DqliteValue]) throws -> MessageWriter {
        var request = MessageWriter()
        request.uint64(UInt64(try openDatabase()))
        try request.text(sql, what: "SQL text")
        try request.parameters(parameters)
        return request
    }

    private func expectEmpty(_ request: MessageWriter, _ type: WireProtocol.Request) throws {
        var reply = try roundTrip(request, type, expecting: .empty)
        _ = try reply.uint64()
        try reply.expectEnd(of: "EMPTY")
    }

    private func result(of request: MessageWriter, _ type: WireProtocol.Request) throws -> DqliteExecResult {
        var reply = try roundTrip(request, type, expecting: .result)
        let lastInsertID = try reply.int64()
        let rowsAffected = try reply.uint64()
        try reply.expectEnd(of: "RESULT")
        return DqliteExecResult(lastInsertID: lastInsertID, rowsAffected: Int(clamping: rowsAffected))
    }

    /// Sends a query and reads ROWS messages until the DONE marker. dqlite streams the
    /// batches without being asked and crashes on any other request sent meanwhile, so
    /// the whole result is always drained before returning.
    private func rows(of request: MessageWriter, _ type: WireProtocol.Request) throws -> DqliteRows {
        let deadline = requestDeadline()
        var reply = try roundTrip(request, type, expecting: .rows, deadline: deadline)
        var rows: [[DqliteValue]] = []
        let first = try guarded { try reply.rowsBatch(into: &rows) }
        let columns = first.columns
        var more = first.more
        while more {
            var next = try receive(expecting: .rows, deadline: deadline)
            let batch = try guarded { try next.rowsBatch(into: &rows) }
            guard batch.columns == columns else {
                throw brokenProtocol("columns changed between ROWS batches: \(columns) then \(batch.columns)")
            }
            more = batch.more
        }
        return DqliteRows(columns: columns, rows: rows)
    }

    private func roundTrip(_ request: MessageWriter, _ type: WireProtocol.Request,
                           expecting expected: WireProtocol.Response,
                           deadline: Deadline? = nil) throws -> MessageReader {
        let deadline = deadline ?? requestDeadline()
        requestDelivered = false
        try collect()
        try transmit(request, type, deadline: deadline)
        return try receive(expecting: expected, deadline: deadline)
    }

    /// Writes one request; `requestDelivered` tells afterwards whether it left completely.
    private func transmit(_ request: MessageWriter, _ type: WireProtocol.Request, deadline: Deadline) throws {
        requestDelivered = false
        let message = try request.message(type: type)
        if stream.isClosed {
            throw DqliteError.disconnected("connection to \(address) is closed")
        }
        if deadline.isExpired {
            throw DqliteError.timeout("deadline passed before sending a request to \(address)")
        }
        if unansweredExecs == 0 && stream.hasUnexpectedInput() {
            stream.close()
            throw DqliteError.disconnected("\(address) closed the connection (or sent unsolicited data) while idle")
        }
        try guarded { try stream.write(message, deadline: deadline) }
        requestDelivered = true
    }

    /// Reads the RESULT (or FAILURE) of every EXEC sent without waiting; keeps the first FAILURE.
    private func readSentReplies() throws {
        let deadline = requestDeadline()
        while unansweredExecs > 0 {
            do {
                var reply = try receive(expecting: .result, deadline: deadline)
                unansweredExecs -= 1
                try guarded {
                    _ = try reply.int64()
                    _ = try reply.uint64()
                    try reply.expectEnd(of: "RESULT")
                }
            } catch let error as DqliteError {
                switch error {
                case .disconnected, .timeout, .protocolViolation:
                    unansweredExecs = 0
                    throw error
                default:
                    unansweredExecs -= 1
                    if pipelinedFailure == nil { pipelinedFailure = error }
                }
            }
        }
    }

    private func requestDeadline() -> Deadline {
        let own = Deadline(after: timeout)
        guard let outer = operationDeadline, outer.instant < own.instant else { return own }
        return outer
    }

    /// Reads one reply; FAILURE becomes a thrown `DqliteError`.
    private func receive(expecting expected: WireProtocol.Response, deadline: Deadline) throws -> MessageReader {
        let header = try guarded { try stream.read(count: WireProtocol.wordSize, deadline: deadline) }
        let words = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        let size = words * WireProtocol.wordSize
        guard size <= WireProtocol.maxReplyBytes else {
            throw brokenProtocol("reply header announces \(size) bytes")
        }
        let body = try guarded { try stream.read(count: size, deadline: deadline) }
        var reply = MessageReader(body: body)
        if header[4] == WireProtocol.Response.failure.rawValue {
            let (code, message) = try guarded { (try reply.uint64(), try reply.text()) }
            throw DqliteError.fromFailure(code: code, message: message)
        }
        guard header[4] == expected.rawValue else {
            throw brokenProtocol("expected reply type \(expected.rawValue), got \(header[4])")
        }
        return reply
    }

    /// Runs `body`; a transport or decoding error closes the connection.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DqliteError {
            switch error {
            case .disconnected, .timeout, .protocolViolation:
                stream.close()
            default:
                break
            }
            throw error
        }
    }

    private func brokenProtocol(_ message: String) -> DqliteError {
        stream.close()
        return .protocolViolation("\(address): \(message)")
    }
}
