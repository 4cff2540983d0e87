/// Keeps hosts that agree on the same wrong output (colluders) from deciding a work unit among themselves.
///
/// A group of agreeing results is accepted when one of its hosts is *trusted* in the project (a run of
/// `trustThreshold` valid results, each from a validation by two or more agreeing hosts), or when
/// `untrustedQuorum` results agree. Colluders that are not trusted then need `untrustedQuorum` of a work
/// unit's tasks to win it, and they earn trust only from work units they win: at quorum 2 with the default
/// `untrustedQuorum` of 3, two colluders never win one. The price is one more task per work unit until
/// honest hosts are trusted.
public struct CollusionGuard: Codable, Sendable, Equatable {
    /// Valid results in a row in the project that make a host's agreement count at the normal quorum.
    public var trustThreshold: Int
    /// Agreeing results needed when none of the agreeing hosts is trusted; more than the quorum.
    public var untrustedQuorum: Int

    public init(trustThreshold: Int = 10, untrustedQuorum: Int = 3) {
        self.trustThreshold = trustThreshold
        self.untrustedQuorum = untrustedQuorum
    }

    enum CodingKeys: String, CodingKey { case trustThreshold, untrustedQuorum }

    /// Decodes a guard; missing fields take their defaults (`{}` is the default guard).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CollusionGuard()
        self.init(trustThreshold: try c.decodeIfPresent(Int.self, forKey: .trustThreshold) ?? d.trustThreshold,
                  untrustedQuorum: try c.decodeIfPresent(Int.self, forKey: .untrustedQuorum) ?? d.untrustedQuorum)
    }

    /// Whether an agreeing group of `size` results, some of whose hosts may be trusted, decides a work unit
    /// whose quorum is `quorum`. A quorum of 1 (a trusted host running it alone) needs no one else.
    public func accepts(groupOf size: Int, anyTrusted: Bool, quorum: Int) -> Bool {
        quorum < 2 || anyTrusted || size >= untrustedQuorum
    }

    /// Whether a host with `consecutiveValid` valid results in a row in the project is trusted.
    public func trusts(consecutiveValid: Int) -> Bool { consecutiveValid >= trustThreshold }

    func validate(quorum: Int, maxTotalTasks: Int) throws(PolicyError) {
        guard quorum >= 2 else {
            throw PolicyError("collusionGuard needs a quorum of 2 or more: at quorum 1 nobody agrees with anybody")
        }
        guard (1...100_000).contains(trustThreshold) else {
            throw PolicyError("collusionGuard.trustThreshold must be 1 to 100000")
        }
        guard untrustedQuorum > quorum, untrustedQuorum <= min(maxTotalTasks, ProjectPolicy.Limits.maxReplication) else {
            throw PolicyError("collusionGuard.untrustedQuorum (\(untrustedQuorum)) must be more than quorum (\(quorum)) "
                + "and at most maxTotalTasks (\(maxTotalTasks)) and \(ProjectPolicy.Limits.maxReplication)")
        }
    }
}
