import BorgStore
import Testing

/// Migrations that move data, run on a real SQLite file holding rows written under the schema before them.
@Suite struct SchemaMigrationTests {
    @Test func blobsKeepTheirBytesAndTimesWhenTheirTableLosesItsIndex() throws {
        let directory = try TemporaryStoreDirectory()
        defer { directory.remove() }
        let db = try SQLiteConnection(path: directory.url.appendingPathComponent("store.sqlite").path)
        // The schema as it was before migration 8, with two blobs in it.
        try db.executeScript("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version in 0..<8 {
            try db.executeScript(Schema.migrations[version])
            try db.execute("INSERT INTO schema_version (version) VALUES (?)", [.integer(Int64(version + 1))])
        }
        let large = [UInt8](repeating: 7, count: 200_000)
        try db.execute("INSERT INTO blob (sha256, data, touched_at) VALUES ('a', ?, 5)", [.blob([1, 2, 3])])
        try db.execute("INSERT INTO blob (sha256, data, touched_at) VALUES ('b', ?, 9)", [.blob(large)])

        try Schema.migrate(db)

        let rows = try db.query("SELECT sha256, touched_at, data FROM blob ORDER BY sha256")
        #expect(rows.map { $0.string(0) } == ["a", "b"])
        #expect(rows.map { $0[1] } == [.real(5), .real(9)])
        #expect(rows.map { $0[2] } == [.blob([1, 2, 3]), .blob(large)])
        let index = try db.queryOne("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'blob_touched'")
        #expect(index == nil)
        #expect(try db.queryOne("SELECT max(version) FROM schema_version")?.int(0) == Int64(Schema.migrations.count))
    }
}
