import BorgCluster

extension SQLValue {
    /// The dqlite wire value with the same storage class.
    var dqlite: DqliteValue {
        switch self {
        case .integer(let v): return .integer(v)
        case .real(let v): return .float(v)
        case .text(let s): return .text(s)
        case .blob(let b): return .blob(b)
        case .null: return .null
        }
    }

    /// The value a dqlite result column carries.
    init(_ value: DqliteValue) {
        switch value {
        case .integer(let v): self = .integer(v)
        case .float(let v): self = .real(v)
        case .text(let s): self = .text(s)
        case .blob(let b): self = .blob(b)
        case .null: self = .null
        }
    }
}
