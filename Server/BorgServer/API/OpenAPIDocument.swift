import BorgProtocol
import Foundation
import Hummingbird

/// The OpenAPI 3.0 document of the coordinator's API, built from the operations ``APIRouter`` routed and
/// the schemas ``SchemaRecorder`` read off their Swift types. Served at `/v1/openapi.json`.
struct OpenAPIDocument: Encodable {
    let openapi = "3.0.3"
    let info: Info
    let paths: [String: [String: Operation]]
    let components: Components

    struct Info: Encodable {
        let title: String
        let version: String
        let description: String
    }

    struct Operation: Encodable {
        let summary: String
        let operationId: String
        let parameters: [Parameter]?
        let requestBody: RequestBody?
        let responses: [String: Response]
        let security: [[String: [String]]]?
    }

    struct Parameter: Encodable {
        let name: String
        let `in`: String
        let required: Bool
        let description: String?
        let schema: JSONSchema
    }

    struct RequestBody: Encodable {
        let required: Bool
        let content: [String: MediaType]
    }

    struct Response: Encodable {
        let description: String
        let content: [String: MediaType]?
    }

    struct MediaType: Encodable {
        let schema: JSONSchema
    }

    struct Components: Encodable {
        let schemas: [String: JSONSchema]
        let securitySchemes: [String: SecurityScheme]
    }

    struct SecurityScheme: Encodable {
        let type = "http"
        let scheme = "bearer"
        let description: String
    }

    /// The document describing `operations`; throws if a type cannot be described.
    init(operations: [APIOperation]) throws {
        let recorder = SchemaRecorder()
        let error = MediaType(schema: try recorder.schema(of: APIErrorBody.self))
        var paths: [String: [String: Operation]] = [:]
        for operation in operations {
            paths[operation.path, default: [:]][operation.method.rawValue.lowercased()] =
                try Self.describe(operation, recorder: recorder, error: error)
        }
        self.paths = paths
        info = Info(title: "Borg coordinator API", version: APIVersion.current,
                    description: "Built by the coordinator from the operations it routes and the types it reads and writes.")
        let schemes = APIAccess.allCases.compactMap { access in
            access.scheme.map { ($0, SecurityScheme(description: access.credential)) }
        }
        components = Components(schemas: recorder.components, securitySchemes: Dictionary(uniqueKeysWithValues: schemes))
    }

    /// The document as JSON, keys sorted (the same bytes for the same code).
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    private static func describe(_ operation: APIOperation, recorder: SchemaRecorder, error: MediaType) throws -> Operation {
        var parameters = operation.pathParameterNames.map {
            Parameter(name: $0, in: "path", required: true, description: nil, schema: operation.pathParameterSchema($0))
        }
        parameters += operation.query.keys.sorted().map {
            Parameter(name: $0, in: "query", required: false, description: nil, schema: operation.query[$0] ?? .string())
        }
        if operation.idempotent {
            parameters.append(Parameter(name: "Idempotency-Key", in: "header", required: false,
                description: "A retry with the same key gets the first answer and changes nothing",
                schema: .string(minLength: 1, maxLength: IdempotencyKey.maxLength, pattern: IdempotencyKey.pattern)))
        }
        let requestBody: RequestBody?
        switch operation.body {
        case .none: requestBody = nil
        case .json(let schema):
            requestBody = RequestBody(required: true, content: ["application/json": MediaType(schema: try schema(recorder))])
        case .bytes:
            requestBody = RequestBody(required: true,
                content: ["application/octet-stream": MediaType(schema: JSONSchema(type: "string", format: "binary"))])
        }
        var responses: [String: Response] = [:]
        switch operation.reply {
        case .json(let schema):
            responses[String(operation.status.code)] = Response(description: operation.status.reasonPhrase,
                content: ["application/json": MediaType(schema: try schema(recorder))])
        case .empty:
            responses[String(operation.status.code)] = Response(description: operation.status.reasonPhrase, content: nil)
        case .content(let types):
            responses[String(operation.status.code)] = Response(description: operation.status.reasonPhrase,
                content: Dictionary(uniqueKeysWithValues: types.map { ($0, MediaType(schema: JSONSchema(type: "string", format: "binary"))) }))
        }
        for status in operation.alsoSucceedsWith {
            responses[String(status.code)] = Response(description: status.reasonPhrase, content: nil)
        }
        for status in operation.errorStatuses {
            let content = operation.reply.isHTML
                ? ["text/html; charset=utf-8": MediaType(schema: JSONSchema(type: "string"))] : ["application/json": error]
            responses[String(status.code)] = Response(description: status.reasonPhrase, content: content)
        }
        let name = operation.path.split(separator: "/").map { $0.hasPrefix("{") ? "By" + $0.dropFirst().dropLast().capitalized : $0.capitalized }
        return Operation(
            summary: operation.summary, operationId: operation.method.rawValue.lowercased() + name.joined(),
            parameters: parameters.isEmpty ? nil : parameters, requestBody: requestBody, responses: responses,
            security: operation.access.scheme.map { [[$0: []]] })
    }
}
