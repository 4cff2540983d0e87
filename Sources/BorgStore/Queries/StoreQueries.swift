/// Typed queries over one connection: the only SQL of the coordinator. Extensions group them by entity
/// (`StoreQueries+Accounts.swift`, `+Batches`, `+Lifecycle`, …). They save and load facts; the rules
/// that decide them (credit, RAC, trust) are BorgCore's.
public struct StoreQueries {
    public let db: any SQLConnection

    public init(db: any SQLConnection) { self.db = db }
}
