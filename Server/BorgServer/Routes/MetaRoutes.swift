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
    struct Health: Codable {
        var status: String
        var apiVersion: String
        var coordinators: [String]
        var queueDepth: Int
    }

    func addRoutes(to router: Router<CoordinatorContext>) {
        router.get("/v1/health") { _, _ in
            try JSONResponse.make(Health(status: "ok", apiVersion: APIVersion.current, coordinators: replication.coordinators,
                queueDepth: engine.queueDepth))
        }
        router.get("/v1/openapi.json") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
                let data = FileManager.default.contents(atPath: url.path)
            else { throw HTTPError(.internalServerError, message: "the OpenAPI document is missing from this build") }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: engine.metrics.exposition())))
        }
    }
}
