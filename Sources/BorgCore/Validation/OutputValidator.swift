/// Decides whether two tasks' outputs agree, under a ``ValidatorKind``.
///
/// File contents are read through `load` only for fuzzy comparison; bitwise needs hashes only.
public struct OutputValidator: Sendable {
    public let kind: ValidatorKind

    public init(kind: ValidatorKind) { self.kind = kind }

    /// Whether outputs `a` and `b` agree. Files are matched by name; both sides must have the same names.
    public func agree(_ a: [FileDigest], _ b: [FileDigest], load: (FileDigest) -> [UInt8]?) -> Bool {
        guard a.count == b.count else { return false }
        let left = a.sorted { $0.name < $1.name }
        let right = b.sorted { $0.name < $1.name }
        for (x, y) in zip(left, right) {
            guard x.name == y.name else { return false }
            if x.sha256 == y.sha256 { continue }
            switch kind {
            case .bitwise:
                return false
            case .fuzzy(let rel, let abs):
                guard let xs = load(x), let ys = load(y) else { return false }
                guard FuzzyComparison(relativeTolerance: rel, absoluteTolerance: abs).equal(xs, ys) else {
                    return false
                }
            }
        }
        return true
    }
}
