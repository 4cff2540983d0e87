import BorgStore
import Testing

/// Splitting scripts for engines that run one statement per call (dqlite).
@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesAndComments() {
        let script = """
            CREATE TABLE a (s TEXT DEFAULT ';');
            -- a comment; still a comment
            INSERT INTO "odd;name" VALUES ('x;y') ;
            /* block; comment */ SELECT 1;;
            """
        #expect(SQLScript.statements(script) == [
            "CREATE TABLE a (s TEXT DEFAULT ';')",
            "-- a comment; still a comment\nINSERT INTO \"odd;name\" VALUES ('x;y')",
            "/* block; comment */ SELECT 1",
        ])
    }

    @Test func everyMigrationSplitsIntoStatements() {
        for migration in Schema.migrations {
            let statements = SQLScript.statements(migration)
            #expect(!statements.isEmpty)
            #expect(statements.allSatisfy { !$0.contains(";") })
        }
    }
}
