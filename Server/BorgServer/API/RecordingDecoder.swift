import Foundation

/// The decoder ``SchemaRecorder`` hands to a type's `init(from:)`: it answers every request with a
/// placeholder and records what was asked for. Keyed requests make an object (a key read with
/// `decodeIfPresent` is optional, any other is required); a single value makes that value's schema.
final class RecordingDecoder: Decoder {
    enum Shape {
        case none
        case object(properties: [String: JSONSchema], required: [String])
        case single(JSONSchema)
    }

    let recorder: SchemaRecorder
    private(set) var shape = Shape.none
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(recorder: SchemaRecorder) {
        self.recorder = recorder
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if case .none = shape { shape = .object(properties: [:], required: []) }
        return KeyedDecodingContainer(KeyedRecorder<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw SchemaRecorderError("a type reading an unkeyed container by hand needs APISchemaProviding")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueRecorder(decoder: self)
    }

    /// Notes a field of the object being decoded.
    func record(_ key: String, _ schema: JSONSchema, required: Bool) {
        guard case .object(var properties, var requiredKeys) = shape else { return }
        properties[key] = schema
        if required, !requiredKeys.contains(key) { requiredKeys.append(key) }
        shape = .object(properties: properties, required: requiredKeys)
    }

    /// Notes the value of a single-value type.
    func record(single schema: JSONSchema) {
        shape = .single(schema)
    }
}

/// A keyed container that holds every key and records each read.
private struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: RecordingDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let (schema, value) = try decoder.recorder.describe(T.self)
        decoder.record(key.stringValue, schema, required: true)
        return value
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let (schema, _) = try decoder.recorder.describe(T.self)
        decoder.record(key.stringValue, schema.orNull, required: false)  // absent or null
        return nil
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(Primitive<Bool>.self, forKey: key).value }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(Primitive<String>.self, forKey: key).value }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(Primitive<Double>.self, forKey: key).value }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(Primitive<Float>.self, forKey: key).value }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(Primitive<Int>.self, forKey: key).value }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(Primitive<Int32>.self, forKey: key).value }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(Primitive<Int64>.self, forKey: key).value }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(Primitive<UInt64>.self, forKey: key).value }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeIfPresent(Primitive<Bool>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeIfPresent(Primitive<String>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeIfPresent(Primitive<Double>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decodeIfPresent(Primitive<Float>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeIfPresent(Primitive<Int>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decodeIfPresent(Primitive<Int32>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decodeIfPresent(Primitive<Int64>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decodeIfPresent(Primitive<UInt64>.self, forKey: key)?.value }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw SchemaRecorderError("a type reading a nested container by hand needs APISchemaProviding")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw SchemaRecorderError("a type reading a nested container by hand needs APISchemaProviding")
    }

    func superDecoder() throws -> any Decoder { throw SchemaRecorderError("superDecoder is not described") }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw SchemaRecorderError("superDecoder is not described") }
}

/// A single value: a primitive's schema, or a wrapper's (an ``Identifier`` reads one `Int64`).
private struct SingleValueRecorder: SingleValueDecodingContainer {
    let decoder: RecordingDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (schema, value) = try decoder.recorder.describe(T.self)
        decoder.record(single: schema)
        return value
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decode(Primitive<Bool>.self).value }
    func decode(_ type: String.Type) throws -> String { try decode(Primitive<String>.self).value }
    func decode(_ type: Double.Type) throws -> Double { try decode(Primitive<Double>.self).value }
    func decode(_ type: Float.Type) throws -> Float { try decode(Primitive<Float>.self).value }
    func decode(_ type: Int.Type) throws -> Int { try decode(Primitive<Int>.self).value }
    func decode(_ type: Int32.Type) throws -> Int32 { try decode(Primitive<Int32>.self).value }
    func decode(_ type: Int64.Type) throws -> Int64 { try decode(Primitive<Int64>.self).value }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(Primitive<UInt64>.self).value }
}

/// A primitive value's schema and placeholder, for the recorder (never decoded from real JSON).
private struct Primitive<Value: PrimitivePlaceholder>: APISchemaProviding {
    let value: Value
    static var apiSchema: JSONSchema { Value.schema }
    static var apiPlaceholder: Primitive { Primitive(value: Value.placeholder) }
    init(value: Value) { self.value = value }
    init(from decoder: any Decoder) throws { throw SchemaRecorderError("a primitive placeholder is never decoded") }
}

private protocol PrimitivePlaceholder {
    static var schema: JSONSchema { get }
    static var placeholder: Self { get }
}

extension Bool: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { .boolean }
    fileprivate static var placeholder: Bool { false }
}

extension String: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { JSONSchema(type: "string") }
    fileprivate static var placeholder: String { "" }
}

extension Double: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { JSONSchema(type: "number", format: "double") }
    fileprivate static var placeholder: Double { 0 }
}

extension Float: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { JSONSchema(type: "number", format: "float") }
    fileprivate static var placeholder: Float { 0 }
}

extension Int: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { .int64 }
    fileprivate static var placeholder: Int { 0 }
}

extension Int32: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { .integer(Int64(Int32.min)...Int64(Int32.max), format: "int32") }
    fileprivate static var placeholder: Int32 { 0 }
}

extension Int64: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { .int64 }
    fileprivate static var placeholder: Int64 { 0 }
}

extension UInt64: PrimitivePlaceholder {
    fileprivate static var schema: JSONSchema { JSONSchema(type: "integer", format: "int64", minimum: 0, maximum: Decimal(UInt64.max)) }
    fileprivate static var placeholder: UInt64 { 0 }
}
