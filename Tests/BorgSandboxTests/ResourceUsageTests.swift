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
            #expect(usage.processCount == 4, "borg-sandbox, bwrap, its PID namespace's first process and the app: \(usage)")
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

        /// Deeper than this process may open files at once, and than PATH_MAX: every level and the
        /// file at the bottom are counted, and the whole tree can be removed.
        @Test func measuresAndRemovesATreeDeeperThanTheOpenFileLimit() throws {
            let directory = try SandboxFixtures.taskDirectory()
            defer { try? DirectoryTree.remove(directory) }
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            let depth = Int(min(limit.rlim_cur, 100_000)) + 50
            var fd = open(directory, O_RDONLY | O_DIRECTORY)
            for _ in 0..<depth {
                try #require(mkdirat(fd, "d", 0o700) == 0)
                let child = openat(fd, "d", O_RDONLY | O_DIRECTORY)
                close(fd)
                try #require(child >= 0)
                fd = child
            }
            let bottom = openat(fd, "big", O_WRONLY | O_CREAT, 0o600)
            close(fd)
            try #require(bottom >= 0)
            let block = [UInt8](repeating: 7, count: 1 << 20)
            #expect(write(bottom, block, block.count) == block.count)
            close(bottom)
            var level = stat()
            try #require(stat(directory + "/d", &level) == 0)

            let used = try DiskUsage.bytes(in: directory)
            #expect(used >= UInt64(depth) * UInt64(level.st_blocks) * 512 + (1 << 20), "\(used) bytes counted")
            try DirectoryTree.remove(directory)
            #expect(!FileManager.default.fileExists(atPath: directory))
        }
    }
}
