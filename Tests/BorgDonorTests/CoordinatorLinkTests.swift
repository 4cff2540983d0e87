import BorgAPIClient
import BorgCore
import BorgDonor
import BorgProtocol
import Crypto
import Foundation
import Testing

/// ``CoordinatorLink`` against a real coordinator on 127.0.0.1 (and a closed port), its time moved by
/// a ``ManualClock``.
struct CoordinatorLinkTests {
    static func link(_ client: CoordinatorClient, host: HostID, clock: ManualClock, maxIdlePoll: Double = 10) -> CoordinatorLink {
        CoordinatorLink(client: client, host: host, clock: clock.clock, heartbeatInterval: 30, maxIdlePoll: maxIdlePoll,
            maxBackoff: 60, log: { _ in })
    }

    @Test func goesOfflineAfterARefusedConnectionAndStaysOfflineUntilTheBackOffPasses() async throws {
        try await LiveCoordinator.with { coordinator in
            let host = try await coordinator.enroll("ada")
            let client = CoordinatorClient(coordinators: [try LiveCoordinator.closedPortURL()], credential: host.hostSecret)
            let clock = ManualClock()
            let link = Self.link(client, host: host.hostID, clock: clock)
            #expect(await link.isOnline)
            #expect(await link.heartbeatIfDue(held: []) == nil)
            #expect(await !link.isOnline)

            // The coordinator is reachable now, but the first back-off (1 to 2 s) has not passed: nothing is sent.
            client.learn([coordinator.url])
            clock.advance(by: 0.9)
            #expect(await !link.isOnline)
            #expect(await link.heartbeatIfDue(held: []) == nil, "an offline link sent a heartbeat")
            #expect(await link.requestWork(maxTasks: 1, platforms: ["wasm"], held: []) == nil, "an offline link asked for work")

            clock.advance(by: 1.2)
            #expect(await link.isOnline)
            #expect(await link.heartbeatIfDue(held: []) != nil)
        }
    }

    @Test func heartbeatsOnlyWhenDue() async throws {
        try await LiveCoordinator.with { coordinator in
            let host = try await coordinator.enroll("ada")
            let clock = ManualClock()
            let link = Self.link(CoordinatorClient(coordinators: [coordinator.url], credential: host.hostSecret),
                host: host.hostID, clock: clock)
            #expect(await link.heartbeatIfDue(held: []) != nil)
            #expect(await link.heartbeatIfDue(held: []) == nil)
            clock.advance(by: 29.9)
            #expect(await link.heartbeatIfDue(held: []) == nil)
            clock.advance(by: 0.2)
            #expect(await link.heartbeatIfDue(held: []) != nil)
        }
    }

    /// The coordinator answers an empty work request with `retryAfterSeconds` 5.
    @Test(arguments: [(maxIdlePoll: 10.0, wait: 5.0), (maxIdlePoll: 2.0, wait: 2.0)])
    func idlePollHonoursRetryAfterCappedByMaxIdlePoll(maxIdlePoll: Double, wait: Double) async throws {
        try await LiveCoordinator.with { coordinator in
            let host = try await coordinator.enroll("ada")
            let clock = ManualClock()
            let link = Self.link(CoordinatorClient(coordinators: [coordinator.url], credential: host.hostSecret),
                host: host.hostID, clock: clock, maxIdlePoll: maxIdlePoll)
            #expect(await link.isWorkRequestDue)
            let reply = try #require(await link.requestWork(maxTasks: 1, platforms: ["wasm"], held: []))
            #expect(reply.tasks.isEmpty && reply.retryAfterSeconds == 5)
            #expect(await !link.isWorkRequestDue)
            clock.advance(by: wait - 0.1)
            #expect(await !link.isWorkRequestDue)
            clock.advance(by: 0.2)
            #expect(await link.isWorkRequestDue)
        }
    }

    @Test func asksAgainAtOnceAfterAReplyWithTasks() async throws {
        try await LiveCoordinator.with { coordinator in
            try await coordinator.createProject("p", app: Data("app".utf8), signedBy: Curve25519.Signing.PrivateKey())
            try await coordinator.submit(to: "p", inputs: ["in": Data("input".utf8)])
            let host = try await coordinator.enroll("ada")
            let link = Self.link(CoordinatorClient(coordinators: [coordinator.url], credential: host.hostSecret),
                host: host.hostID, clock: ManualClock())
            let reply = try #require(await link.requestWork(maxTasks: 1, platforms: ["wasm"], held: []))
            #expect(reply.tasks.count == 1)
            #expect(await link.isWorkRequestDue)
        }
    }

    @Test func deadlinesArriveInTheHostsOwnClock() async throws {
        try await LiveCoordinator.with { coordinator in
            try await coordinator.createProject("p", app: Data("app".utf8), signedBy: Curve25519.Signing.PrivateKey())
            try await coordinator.submit(to: "p", inputs: ["in": Data("input".utf8)])
            let host = try await coordinator.enroll("ada")
            // This host's clock is weeks ahead of the coordinator's (ManualClock starts in 2027).
            let clock = ManualClock()
            clock.advance(by: 5 * 3600)
            let link = Self.link(CoordinatorClient(coordinators: [coordinator.url], credential: host.hostSecret),
                host: host.hostID, clock: clock)
            let reply = try #require(await link.requestWork(maxTasks: 1, platforms: ["wasm"], held: []))
            let task = try #require(reply.tasks.first)
            // The project's deadline is an hour: an hour from now in the host's clock, not long past.
            let left = task.deadline - clock.clock.now.timeIntervalSince1970
            #expect(abs(left - 3600) < 60, "the deadline is \(left) s away in the host's clock")
        }
    }

    @Test func aRefusedReportKeepsTheLinkOnline() async throws {
        try await LiveCoordinator.with { coordinator in
            let host = try await coordinator.enroll("ada")
            let link = Self.link(CoordinatorClient(coordinators: [coordinator.url], credential: host.hostSecret),
                host: host.hostID, clock: ManualClock())
            var task = LocalTask(assignment: TaskBookTests.assignment(999))
            task.errorMessage = "never assigned to this host"
            let outcome = await link.report(task, directory: FileManager.default.temporaryDirectory)
            guard case .refused(let error) = outcome else {
                Issue.record("a report of a task the host never had was not refused: \(outcome)")
                return
            }
            #expect((400..<500).contains(error.status ?? 0))
            #expect(await link.isOnline)
        }
    }
}
