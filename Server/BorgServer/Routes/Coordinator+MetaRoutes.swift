import BorgProtocol
import Foundation
import Hummingbird
import NIOCore

extension Coordinator {
    func addMetaRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/health") { _, _ in
            try JSONResponse.make(Health(status: "ok", apiVersion: APIVersion.current, coordinators: self.coordinators,
                queueDepth: self.engine.queue.depth))
        }
        router.get("/v1/openapi.json") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
                let data = FileManager.default.contents(atPath: url.path)
            else { throw APIError(.internalServerError, "the OpenAPI document is missing from this build") }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: self.metrics.exposition())))
        }
    }
}
