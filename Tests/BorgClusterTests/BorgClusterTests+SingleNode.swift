import BorgCluster
import Foundation
import Testing

extension BorgClusterTests {
    /// Protocol-level behaviour against one real node.
    @Suite struct SingleNode {
        @Test func connectionOpenExecQueryFinalize() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let connection = try openConnection(cluster.address(1), dialer: cluster.dialer)
            defer { connection.close() }

            let created = try connection.execSQL("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
            #expect(created.rowsAffected == 0)
            let insert = try connection.prepare("INSERT INTO t (name) VALUES (?)")
            #expect(insert.parameterCount == 1)
            var ids: [Int64] = []
            for name in ["a", "b", "c"] {
                let result = try connection.exec(insert, [.text(name)])
                #expect(result.rowsAffected == 1)
                ids.append(result.lastInsertID)
            }
            #expect(ids == [1, 2, 3])
            let select = try connection.prepare("SELECT id, name FROM t WHERE id >= ? ORDER BY id")
            let rows = try connection.query(select, [.integer(2)])
            #expect(rows.columns == ["id", "name"])
            #expect(rows.rows == [[.integer(2), .text("b")], [.integer(3), .text("c")]])
            // The same prepared statement is reused with new parameters.
            #expect(try connection.query(select, [.integer(3)]).rows == [[.integer(3), .text("c")]])

            let updated = try connection.execSQL("UPDATE t SET name = ? WHERE id < ?", [.text("z"), .integer(3)])
            #expect(updated.rowsAffected == 2)
            let viaSQL = try connection.querySQL("SELECT count(*) AS n FROM t WHERE name = ?", [.text("z")])
            #expect(viaSQL == DqliteRows(columns: ["n"], rows: [[.integer(2)]]))

            try connection.finalize(insert)
            // dqlite 1.11 would crash on a finalized statement ID: refused before sending.
            #expect(throws: DqliteError.invalidArgument(
                "statement \(insert.id) was not prepared on this connection or was finalized")) {
                try connection.exec(insert, [.text("d")])
            }
            #expect {
                try connection.execSQL("INSERT INTO nowhere VALUES (1)")
            } throws: { error in
                guard case let .failure(code, message) = error as? DqliteError else { return false }
                return code == 1 && message.contains("no such table")
            }
            #expect(!connection.isClosed)  // a FAILURE reply leaves the connection usable
        }

        /// EXECs sent without waiting are answered in order; a FAILURE among them is thrown by the next
        /// call that waits, and the connection stays in step (more than a pipeline's depth in flight too).
        @Test func pipelinedExecsAreAnsweredInOrderAndFailuresSurfaceLater() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let connection = try openConnection(cluster.address(1), dialer: cluster.dialer)
            defer { connection.close() }
            try connection.execSQL("CREATE TABLE p (v INTEGER UNIQUE)")
            let insert = try connection.prepare("INSERT INTO p (v) VALUES (?)")
            for v in 0..<(DqliteConnection.pipelineDepth * 3) { try connection.send(insert, [.integer(Int64(v))]) }
            let count = try connection.prepare("SELECT count(*), max(v) FROM p")
            #expect(try connection.query(count).rows == [[.integer(192), .integer(191)]])

            try connection.send(insert, [.integer(5)])  // a duplicate
            try connection.send(insert, [.integer(500)])
            #expect {
                try connection.collect()
            } throws: { error in
                guard case let .failure(code, message) = error as? DqliteError else { return false }
                return code & 0xff == 19 && message.contains("UNIQUE")
            }
            try connection.collect()  // thrown once
            #expect(try connection.query(count).rows == [[.integer(193), .integer(500)]], "statements after the failure ran")
            try connection.send(insert, [.integer(7)])
            #expect(throws: DqliteError.self, "the next waiting call throws a pending failure") { try connection.query(count) }
            #expect(!connection.isClosed)
        }

        @Test func everyTypeRoundTripsAsBoundParameter() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let client = DqliteClient(seeds: [cluster.address(1)], database: "types", timeout: 10, dialer: cluster.dialer)
            defer { client.close() }
            try client.execute("CREATE TABLE v (k INTEGER PRIMARY KEY, x)")

            var random = SystemRandomNumberGenerator()
            let bigBlob = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let values: [(DqliteValue, String)] = [
                (.integer(0), "integer"), (.integer(-1), "integer"), (.integer(.min), "integer"),
                (.integer(.max), "integer"), (.float(3.25), "real"), (.float(-1e-300), "real"),
                (.float(.greatestFiniteMagnitude), "real"), (.float(-.infinity), "real"),
                (.text(""), "text"), (.text("h\u{e9}llo \u{2713} \u{65e5}\u{672c} \u{1f389}"), "text"),
                (.text(String(repeating: "x", count: 7)), "text"), (.text(String(repeating: "y", count: 8)), "text"),
                (.text(String(repeating: "\u{3b1}", count: 100_000)), "text"),
                (.blob([]), "blob"), (.blob([0]), "blob"), (.blob(Array(0..<8)), "blob"), (.blob(bigBlob), "blob"),
                (.null, "null"),
            ]
            for (index, (value, _)) in values.enumerated() {
                try client.execute("INSERT INTO v (k, x) VALUES (?, ?)", [.integer(Int64(index)), value])
            }
            let rows = try client.query("SELECT x, typeof(x) FROM v ORDER BY k")
            #expect(rows.rows.count == values.count)
            for (row, (value, type)) in zip(rows.rows, values) {
                #expect(row == [value, .text(type)])
            }
            // Parameters are also compared server-side, not only echoed back.
            let match = try client.query("SELECT count(*) FROM v WHERE x = ?", [.blob(bigBlob)])
            #expect(match.rows == [[.integer(1)]])
        }

        @Test func everyTypeDecodesAsResultColumn() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let connection = try openConnection(cluster.address(1), dialer: cluster.dialer)
            defer { connection.close() }

            // 18 literal columns: the row header spans two words of 4-bit type codes.
            let literal = try connection.querySQL("""
                SELECT 1, -5, 9223372036854775807, 2.5, -0.125, 'abc', '', 'caf\u{e9}', x'', x'00ff10',
                       NULL, 3, NULL, 'z', x'01', 4.0, -9223372036854775808, 'last'
                """)
            #expect(literal.columns.count == 18)
            #expect(literal.rows == [[
                .integer(1), .integer(-5), .integer(.max), .float(2.5), .float(-0.125), .text("abc"),
                .text(""), .text("caf\u{e9}"), .blob([]), .blob([0x00, 0xff, 0x10]), .null, .integer(3),
                .null, .text("z"), .blob([1]), .float(4), .integer(.min), .text("last"),
            ]])

            // dqlite derives type codes 9/10/11 from declared DATETIME/BOOLEAN types.
            _ = try connection.execSQL("CREATE TABLE d (at DATETIME, stamp TIMESTAMP, flag BOOLEAN)")
            _ = try connection.execSQL("INSERT INTO d VALUES (1700000000, '2024-01-02 03:04:05', 1)")
            _ = try connection.execSQL("INSERT INTO d VALUES (NULL, NULL, NULL)")
            _ = try connection.execSQL("INSERT INTO d VALUES ('2020-02-02T00:00:00Z', 7, 0)")
            let special = try connection.querySQL("SELECT at, stamp, flag FROM d ORDER BY rowid")
            #expect(special.rows == [
                [.integer(1_700_000_000), .text("2024-01-02 03:04:05"), .integer(1)],
                [.null, .null, .integer(0)],  // BOOLEAN NULL arrives as 0
                [.text("2020-02-02T00:00:00Z"), .integer(7), .integer(0)],
            ])
        }

        @Test(arguments: [0, 1, 7, 8, 9, 15, 16, 17, 255])
        func parameterTupleHeaderForCount(_ count: Int) throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let connection = try openConnection(cluster.address(1), dialer: cluster.dialer)
            defer { connection.close() }

            let values: [DqliteValue] = (0..<count).map { index in
                switch index % 5 {
                case 0: return .integer(Int64(index) - 100)
                case 1: return .text("p\(index)")
                case 2: return .float(Double(index) / 4)
                case 3: return .blob([UInt8(index), 0, 255])
                default: return .null
                }
            }
            let sql = count == 0
                ? "SELECT 'none'"
                : "SELECT " + (1...count).map { "?\($0)" }.joined(separator: ", ")
            let statement = try connection.prepare(sql)
            #expect(statement.parameterCount == count)
            let expected = count == 0 ? [DqliteValue.text("none")] : values
            #expect(try connection.query(statement, values).rows == [expected])
            #expect(try connection.querySQL(sql, values).rows == [expected])
        }

        @Test func tooManyOrMisfitParametersAreRejectedClientSide() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let connection = try openConnection(cluster.address(1), dialer: cluster.dialer)
            defer { connection.close() }

            let values = [DqliteValue](repeating: .integer(1), count: 256)
            #expect(throws: DqliteError.invalidArgument(
                "256 parameters given; dqlite 1.11 binds at most 255 per statement")) {
                try connection.querySQL("SELECT " + (1...256).map { "?\($0)" }.joined(separator: ", "), values)
            }
            let statement = try connection.prepare("SELECT ?, ?")
            #expect(throws: DqliteError.invalidArgument("statement takes 2 parameters, 1 given")) {
                try connection.query(statement, [.null])
            }
            #expect(throws: DqliteError.invalidArgument(
                "text parameter 1 contains a NUL character, which the protocol cannot carry")) {
                try connection.querySQL("SELECT ?", [.text("a\u{0}b")])
            }
            #expect(!connection.isClosed)
            #expect(try connection.query(statement, [.integer(1), .integer(2)]).rows == [[.integer(1), .integer(2)]])
        }

        @Test func resultSpanningManyRowsMessages() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let client = DqliteClient(seeds: [cluster.address(1)], database: "big", timeout: 30, dialer: cluster.dialer)
            defer { client.close() }
            try client.execute("CREATE TABLE big (i INTEGER PRIMARY KEY, s TEXT, f REAL)")
            let inserted = try client.execute("""
                INSERT INTO big (i, s, f)
                WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50000)
                SELECT i, 'row ' || i, i / 2.0 FROM c
                """)
            #expect(inserted.rowsAffected == 50_000)
            // About 1.6 MB of rows; dqlite sends a ROWS message per ~4 KiB page.
            let rows = try client.query("SELECT i, s, f FROM big ORDER BY i")
            #expect(rows.columns == ["i", "s", "f"])
            #expect(rows.rows.count == 50_000)
            var mismatches = 0
            for (index, row) in rows.rows.enumerated() {
                let i = Int64(index + 1)
                if row != [.integer(i), .text("row \(i)"), .float(Double(i) / 2)] { mismatches += 1 }
            }
            #expect(mismatches == 0)

            // A single row far larger than one page, followed by more rows.
            let large = String(repeating: "L", count: 3 << 20)
            try client.execute("UPDATE big SET s = ? WHERE i = 2", [.text(large)])
            let around = try client.query("SELECT i, s FROM big WHERE i <= 3 ORDER BY i")
            #expect(around.rows == [[.integer(1), .text("row 1")], [.integer(2), .text(large)], [.integer(3), .text("row 3")]])
        }

        /// A transaction larger than SQLite's page cache (about 2 MB) that starts on an empty WAL, as every
        /// transaction after dqlite's checkpoint (at 1,000 frames) does, commits and reads its own rows
        /// (dqlite 1.11 failed it with "disk I/O error" when SQLite spilled pages to the WAL).
        @Test func aTransactionLargerThanThePageCacheCommitsAfterACheckpoint() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let client = DqliteClient(seeds: [cluster.address(1)], database: "spill", timeout: 30, dialer: cluster.dialer)
            defer { client.close() }
            try client.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB)")
            let payload = DqliteValue.blob([UInt8](repeating: 7, count: 3_000))
            for round in 1...2 {
                let count = try client.transaction { tx in
                    for _ in 0..<2_000 { try tx.run("INSERT INTO rows (payload) VALUES (?)", [payload]) }
                    return try tx.query("SELECT count(*), sum(length(payload)) FROM rows")
                }
                #expect(count.rows == [[.integer(Int64(round * 2_000)), .integer(Int64(round * 2_000 * 3_000))]])
            }
        }

        @Test func transactionsCommitAndRollBack() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let client = DqliteClient(seeds: [cluster.address(1)], database: "tx", timeout: 10, dialer: cluster.dialer)
            defer { client.close() }
            try client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")

            let ids = try client.transaction { tx in
                let first = try tx.execute("INSERT INTO t (v) VALUES (?)", [.text("one")])
                let second = try tx.execute("INSERT INTO t (v) VALUES (?)", [.text("two")])
                // The transaction sees its own writes.
                #expect(try tx.query("SELECT count(*) FROM t").rows == [[.integer(2)]])
                return [first.lastInsertID, second.lastInsertID]
            }
            #expect(ids == [1, 2])

            struct Abort: Error {}
            #expect(throws: Abort.self) {
                try client.transaction { tx in
                    try tx.execute("INSERT INTO t (v) VALUES ('three')")
                    throw Abort()
                }
            }
            #expect {
                try client.transaction { tx in
                    try tx.execute("INSERT INTO t (v) VALUES ('four')")
                    try tx.execute("INSERT INTO t (v) VALUES ('one')")  // UNIQUE violation
                }
            } throws: { error in
                guard case let .failure(code, message) = error as? DqliteError else { return false }
                return code == 2067 && message.contains("UNIQUE")  // SQLITE_CONSTRAINT_UNIQUE
            }
            #expect(try client.query("SELECT v FROM t ORDER BY id").rows == [[.text("one")], [.text("two")]])

            // Misuse fails loudly instead of deadlocking or running outside the transaction.
            var escaped: DqliteTransaction?
            #expect(throws: DqliteError.invalidArgument(
                "DqliteClient called from inside its own transaction body; use the DqliteTransaction passed to the body")) {
                try client.transaction { tx in
                    escaped = tx
                    try client.execute("INSERT INTO t (v) VALUES ('reentrant')")
                }
            }
            #expect(throws: DqliteError.invalidArgument("transaction used after its body returned")) {
                try escaped?.execute("INSERT INTO t (v) VALUES ('late')")
            }
            #expect(try client.query("SELECT count(*) FROM t").rows == [[.integer(2)]])

            // A connection lost before COMMIT reruns the whole body on a new connection.
            var attempts = 0
            try client.transaction { tx in
                attempts += 1
                try tx.execute("INSERT INTO t (v) VALUES ('five')")
                if attempts == 1 { client.close() }
            }
            #expect(attempts == 2)
            #expect(try client.query("SELECT v FROM t ORDER BY id").rows == [[.text("one")], [.text("two")], [.text("five")]])
        }

        @Test func sqlErrorsAndBusyAreMapped() throws {
            let cluster = try TestCluster(size: 1)
            defer { cluster.shutdown() }
            let first = try openConnection(cluster.address(1), dialer: cluster.dialer)
            let second = try openConnection(cluster.address(1), dialer: cluster.dialer)
            defer {
                first.close()
                second.close()
            }
            #expect {
                try first.prepare("SELEC nonsense")
            } throws: { error in
                guard case let .failure(code, message) = error as? DqliteError else { return false }
                return code == 1 && message.contains("syntax error")
            }
            _ = try first.execSQL("CREATE TABLE t (x)")
            _ = try first.execSQL("BEGIN")
            _ = try first.execSQL("INSERT INTO t VALUES (1)")
            // dqlite sets no busy timeout: a second writer fails at once with SQLITE_BUSY.
            _ = try second.execSQL("BEGIN")
            #expect {
                try second.execSQL("INSERT INTO t VALUES (2)")
            } throws: { error in
                guard case let .busy(code, _) = error as? DqliteError else { return false }
                return code & 0xff == 5
            }
            _ = try second.execSQL("ROLLBACK")
            let foreign = try first.prepare("SELECT 1")
            #expect(throws: DqliteError.invalidArgument(
                "statement \(foreign.id) was not prepared on this connection or was finalized")) {
                try second.query(foreign)
            }
            _ = try first.execSQL("COMMIT")
            #expect(try second.querySQL("SELECT x FROM t").rows == [[.integer(1)]])
        }
    }
}

/// A raw connection to `address` with the "test" database open.
func openConnection(_ address: String, database: String = "test", dialer: any DqliteDialer) throws -> DqliteConnection {
    let connection = try DqliteConnection(address: address, timeout: 10, dialer: dialer)
    try connection.open(database: database)
    return connection
}
