/// A row identifier of one kind of entity. Each kind is its own type (``TaskID``, ``HostID``, …), so a
/// task id passed where a host id belongs is a compiler error; on the wire and in SQL it is a plain
/// integer, and in URLs its decimal text.
///
/// Frozen and inlinable, so that it costs what an `Int64` costs in every module that uses it.
@frozen
public struct Identifier<Entity>: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    LosslessStringConvertible, ExpressibleByIntegerLiteral
{
    public let rawValue: Int64

    @inlinable public init(rawValue: Int64) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: Int64) { self.rawValue = rawValue }
    @inlinable public init(integerLiteral value: Int64) { rawValue = value }

    /// Parses decimal text (a path parameter); `nil` if it is not an integer.
    @inlinable public init?(_ description: String) {
        guard let value = Int64(description) else { return nil }
        rawValue = value
    }

    @inlinable public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    @inlinable public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    @inlinable public var description: String { String(rawValue) }

    @inlinable public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }
    @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    /// The one-word hash `Int64` itself uses, so a dictionary keyed by ids is as fast as one keyed by
    /// integers (the generic path through `Hasher` cost the report path's writer about 1 %).
    @inlinable public func _rawHashValue(seed: Int) -> Int { rawValue._rawHashValue(seed: seed) }
}

/// As a dictionary key in JSON, an id is its decimal text (`{"7": …}`), as a plain integer key was.
extension Identifier: CodingKeyRepresentable {
    public var codingKey: any CodingKey { Key(rawValue) }

    public init?<K: CodingKey>(codingKey: K) {
        guard let value = codingKey.intValue.map(Int64.init) ?? Int64(codingKey.stringValue) else { return nil }
        rawValue = value
    }

    private struct Key: CodingKey {
        let stringValue: String
        let intValue: Int?
        init(_ value: Int64) {
            stringValue = String(value)
            intValue = Int(exactly: value)
        }
        init?(stringValue: String) {
            guard let value = Int64(stringValue) else { return nil }
            self.init(value)
        }
        init?(intValue: Int) { self.init(Int64(intValue)) }
    }
}

/// The kinds of entity an ``Identifier`` names (never instantiated).
public enum DonorEntity {}
public enum HostEntity {}
public enum ProjectEntity {}
public enum BatchEntity {}
public enum WorkUnitEntity {}
public enum TaskEntity {}
public enum TeamEntity {}

public typealias DonorID = Identifier<DonorEntity>
public typealias HostID = Identifier<HostEntity>
public typealias ProjectID = Identifier<ProjectEntity>
public typealias BatchID = Identifier<BatchEntity>
public typealias WorkUnitID = Identifier<WorkUnitEntity>
public typealias TaskID = Identifier<TaskEntity>
public typealias TeamID = Identifier<TeamEntity>
