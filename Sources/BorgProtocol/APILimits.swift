/// Bounds the API puts on one request, known to the coordinator that enforces them and to the clients
/// that stay within them.
public enum APILimits {
    /// Most tasks one batch request creates (work units × replication): about half a second of the
    /// coordinator's single writer. `borg-submit batch submit` splits larger submissions into batches.
    public static let maxTasksPerBatch = 20_000
    /// Most inputs of one work unit.
    public static let maxInputsPerWorkUnit = 100
    /// Most tasks one work request may ask for, and most reports in one request.
    public static let maxTasksPerRequest = 256
    /// Most pieces one stored file has (segments × n): a plan inserts them in one transaction. `files put`
    /// picks a segment size that keeps a file within it (16 MiB segments at 4+2: 64 GiB).
    public static let maxPiecesPerFile = 24_576
}
