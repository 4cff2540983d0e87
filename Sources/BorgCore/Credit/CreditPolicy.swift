/// How much credit a valid task earns.
public enum CreditPolicy: Sendable, Equatable {
    /// The same credit for every work unit, from an estimate of its floating-point operations.
    case fixed(flopsPerWorkUnit: Double)
    /// Credit from the work the canonical task measured (e.g. WebAssembly fuel), times a conversion factor.
    case measured(flopsPerWorkUnit: Double)

    /// Credit for one valid task, given the work the canonical task measured (0 if none).
    public func credit(measuredWork: Double) -> Double {
        switch self {
        case .fixed(let flops): return Cobblestone.credit(flops: flops)
        case .measured(let flopsPerUnit): return Cobblestone.credit(flops: flopsPerUnit * max(0, measuredWork))
        }
    }

    /// The bound (not reached) of a work unit's floating-point operations a policy may state; strict, because
    /// JSON numbers just above it round to it.
    public static let maxFlopsPerWorkUnit = 1e21

    /// Estimated floating-point operations of one work unit, for hosts' runtime estimates.
    public var estimatedFlops: Double {
        switch self {
        case .fixed(let flops), .measured(let flops): return flops
        }
    }

    func validate() throws(PolicyError) {
        guard estimatedFlops >= 0, estimatedFlops < Self.maxFlopsPerWorkUnit else {
            throw PolicyError("credit flopsPerWorkUnit must be at least 0 and below 1e21 (a million GFLOPS-days)")
        }
    }
}

extension CreditPolicy: Codable {
    enum CodingKeys: String, CodingKey { case kind, flopsPerWorkUnit, flopsPerWorkUnitMeasured }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let flops = try c.decodeIfPresent(Double.self, forKey: .flopsPerWorkUnit) ?? 1e12
        switch try c.decode(String.self, forKey: .kind) {
        case "fixed": self = .fixed(flopsPerWorkUnit: flops)
        case "measured": self = .measured(flopsPerWorkUnit: flops)
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "unknown credit kind '\(other)' (use fixed or measured)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .fixed(let flops):
            try c.encode("fixed", forKey: .kind)
            try c.encode(flops, forKey: .flopsPerWorkUnit)
        case .measured(let flops):
            try c.encode("measured", forKey: .kind)
            try c.encode(flops, forKey: .flopsPerWorkUnit)
        }
    }
}
