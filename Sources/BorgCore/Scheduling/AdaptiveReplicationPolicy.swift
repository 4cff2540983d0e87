/// When a trusted host may compute a work unit alone.
public struct AdaptiveReplicationPolicy: Codable, Sendable, Equatable {
    /// Consecutive valid results a host needs before it is trusted.
    public var trustThreshold: Int
    /// Chance that a trusted host's work unit is replicated anyway, as a spot check.
    public var spotCheckProbability: Double

    public init(trustThreshold: Int = 10, spotCheckProbability: Double = 0.1) {
        self.trustThreshold = trustThreshold
        self.spotCheckProbability = spotCheckProbability
    }

    /// Whether a host with `consecutiveValid` valid results in a row gets this work unit alone.
    /// `draw` is a uniform random number in [0, 1) supplied by the caller.
    public func runsAlone(consecutiveValid: Int, draw: Double) -> Bool {
        consecutiveValid >= trustThreshold && draw >= spotCheckProbability
    }

    func validate() throws(PolicyError) {
        guard (1...100_000).contains(trustThreshold) else {
            throw PolicyError("adaptiveReplication.trustThreshold must be 1 to 100000")
        }
        guard (0...1).contains(spotCheckProbability) else {
            throw PolicyError("adaptiveReplication.spotCheckProbability must be between 0 and 1")
        }
    }
}
