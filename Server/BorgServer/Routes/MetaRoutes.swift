import BorgEngine
import BorgProtocol
import Foundation
import Hummingbird
import NIOCore

/// Health, the OpenAPI document and Prometheus metrics.
struct MetaRoutes {
    let engine: LifecycleEngine
    let replication: any Replication

    /// Reply body of `/v1/health`.
    struct Health: Codable, Sendable {
        var status: String
        var apiVersion: String
        var coordinators: [String]
        var queueDepth: Int
    }

    /// Routes health, metrics and the document; last, so that the document describes every operation.
    func addRoutes(to api: APIRouter) {
        api.on(.get, "/v1/health", "Whether this coordinator serves, its API version and the grid's coordinators",
               access: .anyone) { _, _ in
            Health(status: "ok", apiVersion: APIVersion.current, coordinators: replication.coordinators, queueDepth: engine.queueDepth)
        }
        api.add(APIOperation(method: .get, path: "/metrics", summary: "Prometheus metrics", access: .anyone,
                             reply: .content(types: ["text/plain; version=0.0.4"]))) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: engine.metrics.exposition())))
        }
        let document = Result<Data, any Error> { [api] in
            var operations = api.operations
            operations.append(Self.documentOperation)
            return try OpenAPIDocument(operations: operations).json()
        }
        api.add(Self.documentOperation) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try document.get())))
        }
    }

    static let documentOperation = APIOperation(method: .get, path: "/v1/openapi.json",
        summary: "This document: every operation, built from the routes", access: .anyone, reply: .content(types: ["application/json"]))
}
