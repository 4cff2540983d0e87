/// How the outputs of two tasks of one work unit are compared.
public enum ValidatorKind: Sendable, Equatable {
    /// Every output file has the same SHA-256.
    case bitwise
    /// The same sequence of numbers within tolerance, all other text equal.
    case fuzzy(relativeTolerance: Double, absoluteTolerance: Double)

    func validate() throws(PolicyError) {
        if case .fuzzy(let rel, let abs) = self {
            guard rel >= 0, abs >= 0, rel.isFinite, abs.isFinite else {
                throw PolicyError("validator tolerances must be finite and not negative")
            }
        }
    }
}

extension ValidatorKind: Codable {
    enum CodingKeys: String, CodingKey { case kind, relTol, absTol }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Read whatever the kind: a tolerance of the wrong type is an error even where it is unused.
        let relative = try c.decodeIfPresent(Double.self, forKey: .relTol) ?? 0
        let absolute = try c.decodeIfPresent(Double.self, forKey: .absTol) ?? 0
        guard relative >= 0, absolute >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .relTol, in: c, debugDescription: "validator tolerances must not be negative")
        }
        switch try c.decode(String.self, forKey: .kind) {
        case "bitwise": self = .bitwise
        case "fuzzy": self = .fuzzy(relativeTolerance: relative, absoluteTolerance: absolute)
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "unknown validator kind '\(other)' (use bitwise or fuzzy)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .bitwise: try c.encode("bitwise", forKey: .kind)
        case .fuzzy(let rel, let abs):
            try c.encode("fuzzy", forKey: .kind)
            try c.encode(rel, forKey: .relTol)
            try c.encode(abs, forKey: .absTol)
        }
    }
}
