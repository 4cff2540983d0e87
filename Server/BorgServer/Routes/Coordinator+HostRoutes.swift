import BorgCore
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

extension Coordinator {
    /// Most tasks one work request may ask for, and most reports in one request.
    static let maxTasksPerRequest = 256

    func addHostRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/hosts/enroll") { request, _ in
            let body = try await JSONResponse.decode(EnrollRequest.self, from: request, limit: 64 << 10)
            guard (1...4096).contains(body.cores) else { throw APIError.badRequest("cores must be between 1 and 4096") }
            guard !body.platforms.isEmpty, body.platforms.allSatisfy(Naming.isValid) else {
                throw APIError.badRequest("platforms must list at least one runtime, e.g. [\"wasm\"]")
            }
            guard (1...200).contains(body.name.count) else { throw APIError.badRequest("host name must be 1 to 200 characters") }
            let now = self.engine.clock()
            let key = try Self.idempotencyKey(request).map { "enroll/\(Secret.hash(body.token))/\($0)" }
            var enrolled = try await self.store.write { q in
                try q.once(key: key, now: now) {
                    guard let donor = try q.donor(token: body.token) else {
                        throw StoreError(.forbidden, "unknown enrollment token; ask the grid operator for your donor token")
                    }
                    let (id, secret) = try q.enrollHost(donor: donor, name: body.name, cores: body.cores,
                        platforms: body.platforms, now: now)
                    return EnrollResponse(hostID: id, donorID: donor.id, donorName: donor.name, hostSecret: secret, coordinators: [])
                }
            }
            enrolled.coordinators = self.coordinators
            return try JSONResponse.make(enrolled, status: .created)
        }

        router.post("/v1/hosts/:host/work") { request, context in
            let host = try await self.auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            let body = try await JSONResponse.decode(WorkRequest.self, from: request, limit: 64 << 10)
            guard (0...Self.maxTasksPerRequest).contains(body.maxTasks) else {
                throw APIError.badRequest("maxTasks must be between 0 and \(Self.maxTasksPerRequest)")
            }
            try await self.refreshQueueIfStale()
            let (tasks, cancelled) = try await self.engine.dispatch(
                host: host, maxTasks: body.maxTasks, platforms: body.platforms ?? host.platforms, held: body.heldTasks)
            return try JSONResponse.make(WorkResponse(
                tasks: tasks, cancelledTasks: cancelled, retryAfterSeconds: tasks.isEmpty ? 5 : nil,
                coordinators: self.coordinators))
        }

        router.post("/v1/hosts/:host/reports") { request, context in
            let host = try await self.auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            let body = try await JSONResponse.decode(ReportRequest.self, from: request, limit: self.configuration.jsonBodyLimit)
            let inline = try await self.checkReports(body.reports)
            let (accepted, cancelled) = try await self.engine.report(host: host, reports: body.reports, inline: inline)
            return try JSONResponse.make(ReportResponse(accepted: accepted, cancelledTasks: cancelled, coordinators: self.coordinators))
        }

        router.post("/v1/hosts/:host/heartbeat") { request, context in
            let host = try await self.auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            _ = try await JSONResponse.decode(HeartbeatRequest.self, from: request, limit: 1 << 20)
            let now = self.engine.clock()
            let cancelled = try await self.store.write { q in try LifecycleEngine.contact(host.id, q, now: now) }
            return try JSONResponse.make(HeartbeatResponse(cancelledTasks: cancelled, coordinators: self.coordinators))
        }

        router.post("/v1/hosts/:host/abandon") { request, context in
            let host = try await self.auth.host(request, id: try context.parameters.require("host", as: HostID.self))
            let body = try await JSONResponse.decode(AbandonRequest.self, from: request, limit: 1 << 20)
            let abandoned = try await self.engine.abandon(host: host, tasks: body.tasks, leaving: body.leaving)
            if body.leaving { self.auth.forget(host: host.id) }
            return try JSONResponse.make(AbandonResponse(abandoned: abandoned))
        }
    }

    /// Checks reports before anything is written; returns the small inline outputs by digest (stored with
    /// the reports) after storing any large ones as files.
    func checkReports(_ reports: [TaskReport]) async throws -> [String: Data] {
        var inlineOutputs: [String: Data] = [:]
        guard !reports.isEmpty, reports.count <= Self.maxTasksPerRequest else {
            throw APIError.badRequest("a report request carries 1 to \(Self.maxTasksPerRequest) reports")
        }
        guard Set(reports.map(\.taskID)).count == reports.count else {
            throw APIError.badRequest("a task is reported twice in one request")
        }
        for report in reports {
            guard report.cpuSeconds >= 0, report.cpuSeconds.isFinite, report.measuredWork >= 0, report.measuredWork.isFinite else {
                throw APIError.badRequest("task \(report.taskID): cpuSeconds and measuredWork must be finite and not negative")
            }
            var names = Set<String>()
            for output in report.outputs {
                guard Naming.isValid(output.name), names.insert(output.name).inserted else {
                    throw APIError.badRequest("task \(report.taskID): output name '\(output.name.prefix(80))' \(Naming.rule) and be unique")
                }
                guard output.size >= 0 else { throw APIError.badRequest("task \(report.taskID): output size is negative") }
                if let inline = output.data {
                    guard let data = Data(base64Encoded: inline), Int64(data.count) == output.size else {
                        throw APIError.badRequest("task \(report.taskID): output '\(output.name)' data is not base64 of \(output.size) bytes")
                    }
                    let actual = BlobStore.digest(data)
                    guard actual == output.sha256 else {
                        throw APIError.badRequest("task \(report.taskID): output '\(output.name)': content hashes to \(actual), not \(output.sha256)")
                    }
                    if data.count <= Store.smallBlobLimit {
                        inlineOutputs[output.sha256] = data
                    } else {
                        try await store.putBlob(data, sha256: output.sha256)
                        try await replicate(output.sha256, data)
                    }
                }
            }
        }
        return inlineOutputs
    }
}
