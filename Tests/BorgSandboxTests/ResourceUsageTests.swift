import BorgSandbox
import Foundation
import Testing

extension SandboxTests {
    @Suite struct ResourceUsageTests {
        @Test func readsThisProcessFromProc() throws {
            let usage = try #require(ResourceUsage.process(getpid()))
            #expect(usage.cpuSeconds > 0)
            #expect(usage.residentBytes > 1 << 20)
            #expect(ResourceUsage.process(-5) == nil)
        }

        /// The app's name has spaces and parentheses, which /proc/<pid>/stat shows unescaped.
        @Test func sumsAProcessGroup() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let app = directory + "/in/a) (b c"
            try FileManager.default.copyItem(atPath: try SandboxFixtures.probe(), toPath: app)
            let task = SandboxTask(runtime: .native, app: app, directory: directory, arguments: ["burn", "0"], nice: 0)
            defer { SandboxFixtures.remove(task) }
            let running = try SandboxFixtures.runner().start(task)
            defer { running.kill() }
            // The burner's CPU time adds up however busy the machine is; wait until it passes 0.5 s.
            var usage = running.usage
            let deadline = ContinuousClock.now + .seconds(20)
            while usage.cpuSeconds <= 0.5 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                usage = running.usage
            }
            #expect(usage.processCount == 2, "borg-sandbox and the app: \(usage)")
            #expect(usage.cpuSeconds > 0.5)
            running.kill()
            _ = await running.result()
            #expect(running.usage.processCount == 0)
        }

        @Test func countsADirectorysBlocksAndHardLinksOnce() throws {
            let directory = try SandboxFixtures.taskDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let empty = try DiskUsage.bytes(in: directory)
            try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: directory + "/out/a"))
            try Data(repeating: 7, count: 300_000).write(to: URL(fileURLWithPath: directory + "/in/b"))
            let withFiles = try DiskUsage.bytes(in: directory)
            #expect(withFiles - empty >= (1 << 20) + 300_000)
            #expect(withFiles - empty < (1 << 20) + 300_000 + 64 * 1024)
            try FileManager.default.linkItem(atPath: directory + "/out/a", toPath: directory + "/in/a-again")
            #expect(try DiskUsage.bytes(in: directory) == withFiles)
            #expect(throws: SandboxError.self) { try DiskUsage.bytes(in: directory + "/missing") }
        }
    }
}
