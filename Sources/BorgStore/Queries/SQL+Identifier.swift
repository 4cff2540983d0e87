import BorgCore

extension SQLValue {
    /// An entity's row id.
    public init<Entity>(_ id: Identifier<Entity>) { self = .integer(id.rawValue) }
    public init<Entity>(_ id: Identifier<Entity>?) { self = id.map { .integer($0.rawValue) } ?? .null }
}

extension SQLRow {
    /// An entity's row id; its kind comes from the context.
    public func id<Entity>(_ i: Int) -> Identifier<Entity> { Identifier(int(i)) }

    public func optionalID<Entity>(_ i: Int) -> Identifier<Entity>? { values[i] == .null ? nil : id(i) }
}

extension Int64 {
    /// This row id as an entity's identifier (e.g. an insert's `lastInsertID`); its kind comes from the context.
    func asID<Entity>() -> Identifier<Entity> { Identifier(self) }
}
