import Foundation

/// A JSON Schema in the dialect of OpenAPI 3.0: what one value on the wire may be. Built from the Swift
/// types the routes decode and encode (``SchemaRecorder``), tightened where a route checks more than the
/// type says (``APISchemaRefining``), and served as part of `/v1/openapi.json`.
struct JSONSchema: Encodable, Sendable, Equatable {
    var ref: String?
    var type: String?
    var format: String?
    var description: String?
    var properties: [String: JSONSchema]?
    var required: [String]?
    var enumeration: [String]?
    var minimum: Decimal?
    var maximum: Decimal?
    /// The maximum itself is outside (OpenAPI 3.0's boolean form).
    var exclusiveMaximum: Bool?
    var minLength: Int?
    var maxLength: Int?
    var pattern: String?
    var minItems: Int?
    var maxItems: Int?
    var nullable: Bool?
    /// The schemas this one must all match (here: a referenced object that may also be null).
    var allOf: [JSONSchema]?
    var itemSchemas: [JSONSchema]?
    var valueSchemas: [JSONSchema]?

    /// The schema of an array's elements.
    var items: JSONSchema? {
        get { itemSchemas?.first }
        set { itemSchemas = newValue.map { [$0] } }
    }

    /// The schema of an object's values when its keys are free (a dictionary).
    var additionalProperties: JSONSchema? {
        get { valueSchemas?.first }
        set { valueSchemas = newValue.map { [$0] } }
    }

    static func reference(to component: String) -> JSONSchema {
        JSONSchema(ref: "#/components/schemas/\(component)")
    }

    static func string(minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil) -> JSONSchema {
        JSONSchema(type: "string", minLength: minLength, maxLength: maxLength, pattern: pattern)
    }

    static func integer(_ range: ClosedRange<Int64>, format: String = "int64") -> JSONSchema {
        JSONSchema(type: "integer", format: format, minimum: Decimal(range.lowerBound), maximum: Decimal(range.upperBound))
    }

    static func number(minimum: Double? = nil, maximum: Double? = nil) -> JSONSchema {
        JSONSchema(type: "number", format: "double", minimum: minimum.map { Decimal($0) }, maximum: maximum.map { Decimal($0) })
    }

    static let boolean = JSONSchema(type: "boolean")

    static func array(of items: JSONSchema, minItems: Int? = nil, maxItems: Int? = nil) -> JSONSchema {
        var schema = JSONSchema(type: "array", minItems: minItems, maxItems: maxItems)
        schema.items = items
        return schema
    }

    static func oneOf(_ values: [String]) -> JSONSchema {
        JSONSchema(type: "string", enumeration: values)
    }

    static func object(_ properties: [String: JSONSchema], required: [String]) -> JSONSchema {
        JSONSchema(type: "object", properties: properties, required: required.isEmpty ? nil : required)
    }

    /// This schema, also allowing null (OpenAPI 3.0 ignores `nullable` beside a `$ref`, so a reference is
    /// wrapped in `allOf`).
    var orNull: JSONSchema {
        if ref != nil { return JSONSchema(nullable: true, allOf: [self]) }
        var schema = self
        schema.nullable = true
        return schema
    }

    /// Replaces the schema of an existing property with a tighter one (keeping whether it may be null).
    mutating func constrain(_ property: String, _ tighter: JSONSchema) {
        guard let existing = properties?[property] else { return }
        properties?[property] = existing.nullable == true || existing.allOf != nil ? tighter.orNull : tighter
    }

    /// Integers as Swift's `Int`/`Int64` hold them; a path or body number outside is a 400, so it is
    /// outside the schema too.
    static let int64 = integer(Int64.min...Int64.max)

    private enum CodingKeys: String, CodingKey {
        case ref = "$ref", type, format, description, properties, required, enumeration = "enum", minimum, maximum, exclusiveMaximum
        case minLength, maxLength, pattern, minItems, maxItems, nullable, allOf, items, additionalProperties
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(ref, forKey: .ref)
        try c.encodeIfPresent(type, forKey: .type)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(properties, forKey: .properties)
        try c.encodeIfPresent(required, forKey: .required)
        try c.encodeIfPresent(enumeration, forKey: .enumeration)
        try c.encodeIfPresent(minimum, forKey: .minimum)
        try c.encodeIfPresent(maximum, forKey: .maximum)
        try c.encodeIfPresent(exclusiveMaximum, forKey: .exclusiveMaximum)
        try c.encodeIfPresent(minLength, forKey: .minLength)
        try c.encodeIfPresent(maxLength, forKey: .maxLength)
        try c.encodeIfPresent(pattern, forKey: .pattern)
        try c.encodeIfPresent(minItems, forKey: .minItems)
        try c.encodeIfPresent(maxItems, forKey: .maxItems)
        try c.encodeIfPresent(nullable, forKey: .nullable)
        try c.encodeIfPresent(allOf, forKey: .allOf)
        try c.encodeIfPresent(items, forKey: .items)
        try c.encodeIfPresent(additionalProperties, forKey: .additionalProperties)
    }
}
