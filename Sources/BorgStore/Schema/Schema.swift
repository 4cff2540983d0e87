/// The coordinator's SQL schema, as an ordered list of migrations. Never edit a shipped migration:
/// append a new one.
public enum Schema {
    /// Migration `i` brings the schema from version `i` to `i + 1`.
    public static let migrations: [String] = [
        """
        CREATE TABLE donor (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            total_credit REAL NOT NULL DEFAULT 0,
            rac REAL NOT NULL DEFAULT 0,
            rac_time REAL NOT NULL DEFAULT 0
        );
        CREATE TABLE host (
            id INTEGER PRIMARY KEY,
            donor_id INTEGER NOT NULL REFERENCES donor(id),
            name TEXT NOT NULL,
            secret_hash TEXT NOT NULL,
            cores INTEGER NOT NULL,
            platforms TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_contact REAL,
            active INTEGER NOT NULL DEFAULT 1,
            total_credit REAL NOT NULL DEFAULT 0,
            rac REAL NOT NULL DEFAULT 0,
            rac_time REAL NOT NULL DEFAULT 0,
            consecutive_valid INTEGER NOT NULL DEFAULT 0,
            turnaround REAL,
            tasks_valid INTEGER NOT NULL DEFAULT 0,
            tasks_invalid INTEGER NOT NULL DEFAULT 0,
            tasks_error INTEGER NOT NULL DEFAULT 0,
            cpu_seconds REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX host_donor ON host(donor_id);
        CREATE TABLE project (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL,
            policy TEXT NOT NULL,
            public_key TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE app_version (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES project(id),
            platform TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            signature TEXT NOT NULL,
            UNIQUE (project_id, platform)
        );
        CREATE TABLE api_key (
            id INTEGER PRIMARY KEY,
            key_hash TEXT NOT NULL UNIQUE,
            project_id INTEGER REFERENCES project(id),
            created_at REAL NOT NULL
        );
        CREATE TABLE batch (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES project(id),
            policy TEXT NOT NULL,
            state TEXT NOT NULL,
            wu_total INTEGER NOT NULL,
            wu_completed INTEGER NOT NULL DEFAULT 0,
            wu_failed INTEGER NOT NULL DEFAULT 0,
            wu_cancelled INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            finished_at REAL
        );
        CREATE TABLE work_unit (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES batch(id),
            name TEXT NOT NULL,
            inputs TEXT NOT NULL,
            status TEXT NOT NULL,
            quorum INTEGER NOT NULL,
            runs_alone INTEGER NOT NULL DEFAULT 0,
            canonical_task_id INTEGER,
            error_reason TEXT,
            finished_at REAL
        );
        CREATE INDEX work_unit_batch ON work_unit(batch_id);
        CREATE TABLE task (
            id INTEGER PRIMARY KEY,
            wu_id INTEGER NOT NULL REFERENCES work_unit(id),
            project_id INTEGER NOT NULL,
            state TEXT NOT NULL,
            validate_state TEXT NOT NULL DEFAULT 'pending',
            is_backup INTEGER NOT NULL DEFAULT 0,
            host_id INTEGER,
            donor_id INTEGER,
            sent_at REAL,
            deadline REAL,
            reported_at REAL,
            outputs TEXT NOT NULL DEFAULT '',
            measured_work REAL NOT NULL DEFAULT 0,
            cpu_seconds REAL NOT NULL DEFAULT 0,
            error_message TEXT,
            credit REAL NOT NULL DEFAULT 0,
            report_digest TEXT,
            host_told INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX task_wu ON task(wu_id);
        CREATE INDEX task_unsent ON task(project_id, id) WHERE state = 'unsent';
        CREATE INDEX task_running ON task(deadline) WHERE state = 'in_progress';
        CREATE INDEX task_host ON task(host_id, state);
        CREATE INDEX task_untold ON task(host_id) WHERE host_told = 0;
        CREATE TABLE idempotency (
            key TEXT PRIMARY KEY,
            response TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        """,
        // Small blobs (task outputs, most inputs) live in the database: one file each was the
        // bottleneck of the report path, and in a cluster they replicate with the rows that name them.
        """
        CREATE TABLE blob (
            sha256 TEXT PRIMARY KEY,
            data BLOB NOT NULL
        ) WITHOUT ROWID;
        """,
        """
        CREATE TABLE coordinator (
            node_id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            cluster_address TEXT NOT NULL,
            seen_at REAL NOT NULL
        );
        """,
        // Idempotency keys are kept for a day; this index lets the leader forget old ones cheaply.
        """
        CREATE INDEX idempotency_created ON idempotency(created_at);
        """,
        // Adaptive replication trusts a host project by project, from validations by a quorum of two or more.
        """
        CREATE TABLE host_trust (
            host_id INTEGER NOT NULL REFERENCES host(id),
            project_id INTEGER NOT NULL REFERENCES project(id),
            consecutive_valid INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (host_id, project_id)
        ) WITHOUT ROWID;
        """,
        // Retention: a finished batch's work units and tasks are purged once its results were collected (or
        // it grew old); the batch row stays, with the credit its purged tasks had granted. A blob remembers
        // when it was last stored, so one uploaded just before the request that refers to it is never collected
        // (migration 8 drops the index it first had).
        """
        ALTER TABLE batch ADD COLUMN collected_at REAL;
        ALTER TABLE batch ADD COLUMN purged_at REAL;
        ALTER TABLE batch ADD COLUMN purged_credit REAL NOT NULL DEFAULT 0;
        ALTER TABLE blob ADD COLUMN touched_at REAL NOT NULL DEFAULT 0;
        CREATE INDEX blob_touched ON blob(touched_at);
        """,
        // Storage donation: hosts that lend disk (with their audit record), the files stored on them (sealed names
        // only) and where each piece of each segment is ('planned' during an upload, 'stored', or 'lost' when an
        // audit found it missing or damaged). A piece replaced elsewhere leaves a row in piece_garbage until its
        // old host deletes it. A donor's quota is NULL while it is the default (what its hosts donate over the expansion).
        """
        CREATE TABLE storage_host (
            host_id INTEGER PRIMARY KEY REFERENCES host(id),
            url TEXT NOT NULL,
            capacity INTEGER NOT NULL,
            used INTEGER NOT NULL,
            seen_at REAL NOT NULL,
            leaving INTEGER NOT NULL DEFAULT 0,
            audits_passed INTEGER NOT NULL DEFAULT 0,
            audits_failed INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE stored_file (
            id TEXT PRIMARY KEY,
            donor_id INTEGER NOT NULL REFERENCES donor(id),
            sealed_name TEXT NOT NULL,
            size INTEGER NOT NULL,
            segment_size INTEGER NOT NULL,
            segments INTEGER NOT NULL,
            data_pieces INTEGER NOT NULL,
            parity_pieces INTEGER NOT NULL,
            state TEXT NOT NULL,
            created_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX stored_file_donor ON stored_file(donor_id);
        CREATE INDEX stored_file_state ON stored_file(state, created_at);
        CREATE TABLE piece (
            file_id TEXT NOT NULL REFERENCES stored_file(id),
            segment INTEGER NOT NULL,
            piece_index INTEGER NOT NULL,
            host_id INTEGER NOT NULL,
            sha256 TEXT,
            size INTEGER NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (file_id, segment, piece_index)
        ) WITHOUT ROWID;
        CREATE INDEX piece_host ON piece(host_id, state);
        CREATE TABLE piece_garbage (
            host_id INTEGER NOT NULL,
            piece TEXT NOT NULL,
            file_id TEXT NOT NULL,
            PRIMARY KEY (host_id, piece)
        ) WITHOUT ROWID;
        ALTER TABLE donor ADD COLUMN storage_quota INTEGER;
        """,
        // Blobs without the index on touched_at: keeping it cost every report a second B-tree insert (6 % of the
        // lifecycle's throughput). The collector's scan now reads touched_at from the start of each row, never
        // the blob's overflow pages.
        """
        CREATE TABLE blob_by_touch (
            sha256 TEXT PRIMARY KEY,
            touched_at REAL NOT NULL DEFAULT 0,
            data BLOB NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO blob_by_touch (sha256, touched_at, data) SELECT sha256, touched_at, data FROM blob;
        DROP TABLE blob;
        ALTER TABLE blob_by_touch RENAME TO blob;
        """,
        // Daily totals for the dashboard's charts: BOINC keeps only totals and RAC, so the history is kept here.
        // Donor 0 is the whole grid. Purging batches leaves these rows.
        """
        CREATE TABLE daily_total (
            donor_id INTEGER NOT NULL,
            day INTEGER NOT NULL,
            total_credit REAL NOT NULL,
            tasks_valid INTEGER NOT NULL,
            PRIMARY KEY (donor_id, day)
        ) WITHOUT ROWID;
        """,
        // Teams, and what BOINC's statistics export needs of a donor: a random cross-project id, and an e-mail
        // address (private; only its hash with the id is exported).
        """
        CREATE TABLE team (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            founder_id INTEGER REFERENCES donor(id),
            created_at REAL NOT NULL
        );
        ALTER TABLE donor ADD COLUMN team_id INTEGER REFERENCES team(id);
        ALTER TABLE donor ADD COLUMN cross_project_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE donor ADD COLUMN email TEXT NOT NULL DEFAULT '';
        UPDATE donor SET cross_project_id = lower(hex(randomblob(16)));
        CREATE INDEX donor_team ON donor(team_id);
        """,
        // When a storage host's audits began to go unanswered (an error, not a verdict), NULL once one is answered.
        """
        ALTER TABLE storage_host ADD COLUMN audit_unanswered_since REAL;
        """,
        // Pieces a reader found damaged, to be audited before any other of their host.
        """
        CREATE TABLE suspect_piece (
            file_id TEXT NOT NULL,
            segment INTEGER NOT NULL,
            piece_index INTEGER NOT NULL,
            host_id INTEGER NOT NULL,
            reported_at REAL NOT NULL,
            PRIMARY KEY (file_id, segment, piece_index, host_id)
        );
        """,
        // A storage host's audit reputation, Storj's way: at each audit α and β decay by a forgetting factor, then
        // a pass adds 1 to α, a failure 1 to β; the score is α / (α + β). A host audited before starts from its
        // counts, as many as the record remembers (1,000 audits), so one out of standing stays out.
        """
        ALTER TABLE storage_host ADD COLUMN audit_alpha REAL NOT NULL DEFAULT 1;
        ALTER TABLE storage_host ADD COLUMN audit_beta REAL NOT NULL DEFAULT 0;
        UPDATE storage_host SET
            audit_alpha = 1 + audits_passed * min(1.0, 1000.0 / max(1, audits_passed + audits_failed)),
            audit_beta = audits_failed * min(1.0, 1000.0 / max(1, audits_passed + audits_failed));
        """,
    ]

    /// Brings the database to the newest schema; safe to call on every start.
    public static func migrate(_ db: any SQLConnection) throws {
        try db.executeScript("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        let current = Int(try db.queryOne("SELECT max(version) FROM schema_version")?.optionalInt(0) ?? 0)
        guard current < migrations.count else { return }
        for version in current..<migrations.count {
            try db.executeScript(migrations[version])
            try db.execute("INSERT INTO schema_version (version) VALUES (?)", [.integer(Int64(version + 1))])
        }
    }
}
