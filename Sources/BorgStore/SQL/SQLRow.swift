/// One result row; columns by position, typed accessors convert like SQLite does.
public struct SQLRow: Sendable, Equatable {
    public var values: [SQLValue]

    public init(_ values: [SQLValue]) { self.values = values }

    public subscript(_ i: Int) -> SQLValue { values[i] }

    public func int(_ i: Int) -> Int64 {
        switch values[i] {
        case .integer(let v): return v
        case .real(let v): return Int64(v)
        case .text(let s): return Int64(s) ?? 0
        case .blob, .null: return 0
        }
    }

    public func optionalInt(_ i: Int) -> Int64? { values[i] == .null ? nil : int(i) }

    public func double(_ i: Int) -> Double {
        switch values[i] {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        case .text(let s): return Double(s) ?? 0
        case .blob, .null: return 0
        }
    }

    public func optionalDouble(_ i: Int) -> Double? { values[i] == .null ? nil : double(i) }

    public func string(_ i: Int) -> String {
        switch values[i] {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .null: return ""
        }
    }

    public func optionalString(_ i: Int) -> String? { values[i] == .null ? nil : string(i) }

    public func bool(_ i: Int) -> Bool { int(i) != 0 }
}
