import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a hostile submitter or host tried against the coordinator (issue 8's findings 4 to 10), each
/// refused with a clear error while the coordinator keeps serving everyone else.
@Suite struct HostileRequestTests {
    @Test func aHugeReplicationIsRefusedAndTheCoordinatorKeepsServing() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            let input = try await f.admin.upload(Data("in".utf8))
            let units = (0..<2).map { WorkUnitSpec(name: "wu\($0)", inputs: [FileRef(name: "in", sha256: input, size: 2)]) }
            for replication in [4_611_686_018_427_387_904, 100_000_000] {
                do {
                    _ = try await f.admin.createBatch(CreateBatchRequest(project: "demo", workUnits: units,
                        policy: PolicyOverride(replication: replication, quorum: 2, maxTotalTasks: replication)))
                    Issue.record("replication \(replication) was accepted")
                } catch let error as APIClientError {
                    #expect(error.status == 400 && error.reason.contains("replication"))
                }
            }
            // Too many tasks in one batch: refused before the writer is held, with what to do instead.
            let many = (0..<10_001).map { WorkUnitSpec(name: "wu\($0)", inputs: [FileRef(name: "in", sha256: input, size: 2)]) }
            do {
                _ = try await f.admin.createBatch(CreateBatchRequest(project: "demo", workUnits: many))
                Issue.record("a batch of 20,002 tasks was accepted")
            } catch let error as APIClientError {
                #expect(error.status == 400 && error.reason.contains("several batches"))
            }
            #expect(try await f.submit(1) > 0, "the coordinator still takes batches")
        }
    }

    @Test func inputSizesMustBeTheBlobsOwn() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            let input = try await f.admin.upload(Data("twelve bytes".utf8))
            for size: Int64 in [-5, 3, 13] {
                do {
                    _ = try await f.admin.createBatch(CreateBatchRequest(project: "demo", workUnits: [
                        WorkUnitSpec(name: "wu", inputs: [FileRef(name: "a", sha256: input, size: size), FileRef(name: "b", sha256: input, size: size)]),
                    ]))
                    Issue.record("an input of size \(size) was accepted for a blob of 12 bytes")
                } catch let error as APIClientError {
                    #expect(error.status == 400, "\(error)")
                }
            }
        }
    }

    @Test func impossibleCPUTimeIsRefusedAndStatisticsStayServed() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(2)
            let a = try await f.host("a")
            let tasks = try await a.work()
            for task in tasks {
                do {
                    _ = try await a.client.report(host: a.id, [TaskReport(taskID: task.taskID, status: .error, cpuSeconds: 1e308, errorMessage: "x")])
                    Issue.record("cpuSeconds 1e308 was accepted")
                } catch let error as APIClientError {
                    #expect(error.status == 400 && error.reason.contains("cpuSeconds"))
                }
            }
            let anonymous = CoordinatorClient(coordinators: [f.url])
            #expect(try await anonymous.donorStats().count == 2)
            #expect(try await anonymous.hostStats(a.id).cpuHours == 0)
            #expect(try await anonymous.leaderboard().donors.count == 2)
            _ = try await a.complete(tasks)
            #expect(try await anonymous.donorStats(a.donorID).cpuHours > 0, "honest reports are still taken")
        }
    }

    @Test func aNonFiniteOutputNeverWinsAFuzzyQuorum() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject(policy: ProjectPolicy(replication: 2, quorum: 2, maxTotalTasks: 4,
                                                          validator: .fuzzy(relativeTolerance: 1e-6, absoluteTolerance: 1e-9)))
            let batch = try await f.submit(1)
            let cheat = try await f.host("cheat"), honest = try await f.host("honest"), third = try await f.host("third")
            func report(_ host: TestHost, _ text: String) async throws {
                let task = try #require(try await host.work().first)
                let data = Data(text.utf8)
                _ = try await host.client.report(host: host.id, [TaskReport(taskID: task.taskID, status: .success, outputs: [
                    ReportedOutput(name: "out", sha256: CoordinatorClient.sha256(data), size: Int64(data.count), data: data.base64EncodedString()),
                ], cpuSeconds: 1)])
            }
            try await report(cheat, "+inf +inf +inf\n")
            try await report(honest, "0.5 0.25 1.0\n")
            #expect(try await f.admin.batchStatus(batch).completed == 0, "the cheat and the honest host disagree")
            try await report(third, "0.5 0.25 1.0000001\n")
            let results = try await f.admin.batchResults(batch)
            #expect(results.workUnits.first?.agreeingHosts.sorted() == [honest.id, third.id].sorted())
            let anonymous = CoordinatorClient(coordinators: [f.url])
            #expect(try await anonymous.hostStats(cheat.id).totalCredit == 0)
            #expect(try await anonymous.hostStats(cheat.id).tasks.invalid == 1)
        }
    }

    @Test func aHostHoldsNoMoreThanItsCoresAllow() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(300)
            let small = try await f.host("small", cores: 1)
            var held: [TaskAssignment] = []
            for _ in 0..<3 { held += try await small.work(100) }
            #expect(held.count == HostCapacity.maxTasksInProgress(cores: 1), "a 1-core host got \(held.count) tasks")
            try await small.complete(held)
            #expect(try await small.work(100).count == held.count, "reported tasks make room again")
            let big = try await f.host("big", cores: 16)
            #expect(try await big.work(100).count == 18)
        }
    }

    @Test func outputsBeyondTheProjectsLimitOrTheirClaimAreRefused() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject(policy: ProjectPolicy(replication: 2, quorum: 2, maxOutputBytes: 1_000))
            _ = try await f.submit(1)
            let a = try await f.host("a")
            let task = try #require(try await a.work().first)
            func refused(_ output: ReportedOutput) async -> APIClientError? {
                do {
                    _ = try await a.client.report(host: a.id, [TaskReport(taskID: task.taskID, status: .success, outputs: [output], cpuSeconds: 1)])
                    return nil
                } catch { return error as? APIClientError }
            }
            let inline = Data(repeating: 7, count: 5_000)
            #expect(await refused(ReportedOutput(name: "out", sha256: CoordinatorClient.sha256(inline), size: 5_000,
                                                 data: inline.base64EncodedString()))?.status == 413)
            let large = Data(repeating: 8, count: 2 << 20)
            let sha = try await a.client.upload(large, host: a.id)
            #expect(await refused(ReportedOutput(name: "out", sha256: sha, size: Int64(large.count)))?.status == 413)
            let small = Data(repeating: 9, count: 500)
            let smallSHA = try await a.client.upload(small, host: a.id)
            #expect(await refused(ReportedOutput(name: "out", sha256: smallSHA, size: 5))?.reason.contains("its blob has 500") == true)
            #expect(await refused(ReportedOutput(name: "out", sha256: smallSHA, size: 500)) == nil, "the true claim is taken")
        }
    }

    /// A client that sends its whole body before reading the answer (Python's urllib) gets an answer, or
    /// a closed connection, on every route that changes state: never a hang. (Before the fix every route
    /// left such a client waiting until its own timeout; how fast the answer comes is for benchmarks.)
    @Test func aStalledClientIsCutOffAfterTheIdleTimeoutAndASlowDownloadIsNot() async throws {
        try await CoordinatorFixture.run(idleTimeout: .seconds(1)) { f in
            let blob = Data((0..<(16 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            let sha = try await f.admin.upload(blob)
            guard let port = Int(f.url.split(separator: ":").last ?? "") else { throw CancellationError() }
            // Half a request head, then nothing: without a timeout the coordinator keeps the connection for ever.
            let stalled = try LoopbackConnection.open(port: port)
            defer { close(stalled) }
            _ = "GET /v1/blobs/\(sha) HTTP/1.1\r\nHost: 12".withCString { send(stalled, $0, strlen($0), 0) }
            // The blob, 128 KiB every 50 ms: its 16 MiB take several idle timeouts.
            let slow = try LoopbackConnection.open(port: port)
            defer { close(slow) }
            _ = "GET /v1/blobs/\(sha) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".withCString { send(slow, $0, strlen($0), 0) }
            let (received, slowClosed) = await LoopbackConnection.read(slow, upTo: 16 << 20, pause: .milliseconds(50))
            #expect(received >= 16 << 20 && !slowClosed, "a slow reader got \(received) bytes, the connection \(slowClosed ? "closed" : "open")")
            let (_, stalledClosed) = await LoopbackConnection.read(stalled, upTo: 1)
            #expect(stalledClosed, "a client that sent half a request head was still connected after 10 s and more")
        }
    }

    @Test func aRefusedLargeBodyNeverHangsItsClient() async throws {
        try await CoordinatorFixture.run { f in
            let sha = String(repeating: "a", count: 64)
            let routes = [
                "POST /v1/hosts/enroll", "POST /v1/hosts/1/work", "POST /v1/hosts/1/reports", "POST /v1/hosts/1/heartbeat",
                "POST /v1/hosts/1/abandon", "PUT /v1/hosts/1/blobs/\(sha)", "PUT /v1/blobs/\(sha)", "POST /v1/projects",
                "POST /v1/projects/demo/keys", "POST /v1/donors", "POST /v1/batches", "POST /v1/batches/1/cancel",
                "POST /v1/cluster/join", "POST /v1/cluster/announce", "POST /v1/cluster/remove",
            ]
            guard let port = Int(f.url.split(separator: ":").last ?? "") else { throw CancellationError() }
            for route in routes {
                let parts = route.split(separator: " ")
                let answer = try SendAllThenRead.request(port: port, method: String(parts[0]), path: String(parts[1]), bodyBytes: 6 << 20)
                #expect(answer != .timedOut, "\(route) left its client hanging")
                if case .status(let code) = answer { #expect(code >= 400, "\(route) answered \(code)") }
            }
        }
    }
}

/// A blocking HTTP/1.1 client that sends its whole request body before it reads anything, as Python's
/// urllib does, with 30-second socket timeouts.
enum SendAllThenRead {
    enum Answer: Equatable {
        /// The status line's code.
        case status(Int)
        /// The connection was closed while sending or before any answer.
        case closed
        /// Nothing happened within the timeout.
        case timedOut
    }

    static func request(port: Int, method: String, path: String, bodyBytes: Int) throws -> Answer {
        let fd = try LoopbackConnection.open(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer wrong\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(bodyBytes)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: bodyBytes)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in send(fd, raw.baseAddress.map { $0 + sent }, raw.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
            sent += n
        }
        var reply = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &reply, reply.count, 0)
        if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
        let line = String(decoding: reply[0..<max(0, n)], as: UTF8.self)
        guard let code = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return .closed }
        return .status(code)
    }
}
