import Testing

/// All sandbox tests, run one at a time: several measure CPU time or run long, and the
/// CPU-throttle test needs the machine's cores not to be busy with the others.
@Suite(.serialized)
enum SandboxTests {}
