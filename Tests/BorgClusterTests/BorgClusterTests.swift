import Testing

/// All dqlite tests run one after another: they start real nodes whose Raft timers
/// should not compete for the CPU with other clusters.
@Suite(.serialized)
struct BorgClusterTests {}
