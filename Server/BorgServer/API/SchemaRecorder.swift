import Foundation

/// Describes `Decodable` types as JSON Schemas by decoding them from nothing: a recording decoder answers
/// every value a type's `init(from:)` asks for and notes its key, its type and whether it may be absent.
/// So the schema is the decoder's own view of the type; a field added to a message is in the document at
/// once. Objects become named components (`#/components/schemas/<Type>`).
///
/// A type the recorder cannot decode from placeholders (a tagged union, a string enum) describes itself
/// (``APISchemaProviding``, ``APIStringEnum``); a type whose route checks more than its Swift type says
/// tightens its schema (``APISchemaRefining``).
final class SchemaRecorder {
    /// Every object schema met so far, by component name.
    private(set) var components: [String: JSONSchema] = [:]

    /// The schema of `type`: a reference for an object, the schema itself otherwise.
    func schema<T: Decodable>(of type: T.Type) throws -> JSONSchema {
        try describe(type).schema
    }

    /// The schema of `T` and a placeholder value of it (what the decoding code that asked for it gets).
    func describe<T: Decodable>(_ type: T.Type) throws -> (schema: JSONSchema, value: T) {
        if let provided = T.self as? any APISchemaProviding.Type {
            return try (named(T.self, provided.apiSchema), cast(provided.apiPlaceholder))
        }
        if let enumeration = T.self as? any APIStringEnum.Type {
            return try (.oneOf(enumeration.wireValues), cast(enumeration.firstCase))
        }
        if let optional = T.self as? any APIOptionalSchema.Type {
            return try (describeAny(optional.wrappedType).schema.orNull, cast(optional.absent))
        }
        if let array = T.self as? any APIArraySchema.Type {
            return try (.array(of: try describeAny(array.elementType).schema), cast(array.empty))
        }
        if let dictionary = T.self as? any APIDictionarySchema.Type {
            var schema = JSONSchema(type: "object")
            schema.additionalProperties = try describeAny(dictionary.valueType).schema
            return try (schema, cast(dictionary.empty))
        }
        if T.self == Data.self {
            return try (JSONSchema(type: "string", format: "byte"), cast(Data()))
        }
        let decoder = RecordingDecoder(recorder: self)
        let value = try T(from: decoder)
        switch decoder.shape {
        case .object(let properties, let required):
            return try (named(T.self, .object(properties, required: required)), value)
        case .single(let schema):
            return (schema, value)
        case .none:
            throw SchemaRecorderError("\(T.self) decodes nothing; give it a schema with APISchemaProviding")
        }
    }

    private func cast<T>(_ value: Any?) throws -> T {
        guard let value = value as? T else { throw SchemaRecorderError("no placeholder value of \(T.self)") }
        return value
    }

    /// Opens an existential metatype for ``describe(_:)``.
    func describeAny(_ type: any Decodable.Type) throws -> (schema: JSONSchema, value: Any) {
        try describe(type)
    }

    /// Registers an object schema (tightened by the type's refinements) as a component; a reference to it.
    private func named<T>(_ type: T.Type, _ schema: JSONSchema) throws -> JSONSchema {
        guard schema.type == "object" else { return schema }
        var schema = schema
        if let refining = T.self as? any APISchemaRefining.Type { refining.refine(&schema) }
        let name = String(describing: T.self)
        if let existing = components[name], existing != schema {
            throw SchemaRecorderError("two different types are named \(name) on the wire")
        }
        components[name] = schema
        return .reference(to: name)
    }
}

/// Why a type could not be described.
struct SchemaRecorderError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A type that gives its own schema and a placeholder value, for types whose decoding depends on the
/// values it reads (a tagged union decoded by switching on `kind`).
protocol APISchemaProviding: Decodable {
    static var apiSchema: JSONSchema { get }
    static var apiPlaceholder: Self { get }
}

/// A type whose route checks more than its Swift type says (ranges, lengths, patterns): it states the
/// same limits in its schema, so a request the document allows is one the route accepts.
protocol APISchemaRefining {
    static func refine(_ schema: inout JSONSchema)
}

/// A string enum on the wire: its schema lists its values.
protocol APIStringEnum: CaseIterable, RawRepresentable, Decodable where RawValue == String {}

extension APIStringEnum {
    static var wireValues: [String] { allCases.map(\.rawValue) }
    static var firstCase: Any? { allCases.first }
}

/// Optionals, arrays and dictionaries describe themselves through their wrapped types.
protocol APIOptionalSchema {
    static var wrappedType: any Decodable.Type { get }
    static var absent: Self { get }
}

protocol APIArraySchema {
    static var elementType: any Decodable.Type { get }
    static var empty: Self { get }
}

protocol APIDictionarySchema {
    static var valueType: any Decodable.Type { get }
    static var empty: Self { get }
}

extension Optional: APIOptionalSchema where Wrapped: Decodable {
    static var wrappedType: any Decodable.Type { Wrapped.self }
    static var absent: Self { nil }
}

extension Array: APIArraySchema where Element: Decodable {
    static var elementType: any Decodable.Type { Element.self }
    static var empty: Self { [] }
}

extension Dictionary: APIDictionarySchema where Value: Decodable, Key: Decodable {
    static var valueType: any Decodable.Type { Value.self }
    static var empty: Self { [:] }
}
