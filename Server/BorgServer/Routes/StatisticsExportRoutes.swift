import BorgEngine
import Hummingbird

/// `/stats/`: BOINC's statistics export files (``StatisticsExport``), public as BOINC's are.
struct StatisticsExportRoutes {
    let export: StatisticsExport

    func addRoutes(to api: APIRouter) {
        api.add(APIOperation(method: .get, path: "/stats/{file}", summary: "BOINC's statistics export (db_dump's format)",
                             access: .anyone, reply: .content(types: ["application/gzip", "application/xml"]),
                             pathParameters: ["file": .oneOf(StatisticsExport.fileNames)])) { _, context in
            let name = try context.parameters.require("file")
            guard StatisticsExport.fileNames.contains(name), let data = try await export.file(name) else {
                throw EngineError.unknown("no statistics file '\(name)'; there are \(StatisticsExport.fileNames.joined(separator: ", "))")
            }
            let type = name.hasSuffix(".gz") ? "application/gzip" : "application/xml"
            return Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
