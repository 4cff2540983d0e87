import BorgSandbox
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SandboxTests {
    /// The native runtime: real child processes under real rlimits and namespaces.
    @Suite struct NativeRuntimeTests {
        @Test func montecarloRunsInItsTaskDirectoryAndEstimatesTheIntegral() async throws {
            let directory = try SandboxFixtures.taskDirectory(inputs: ["params": "7 200000\n"])
            let task = SandboxTask(
                runtime: .native, app: SandboxFixtures.project("montecarlo/app/montecarlo-linux-x86_64"),
                directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.succeeded, "\(result)")
            #expect(result.fuelUsed == nil)

            let fields = try #require(SandboxFixtures.read(directory, "out/result")).split(separator: " ")
            let (n, sum, sum2) = (
                try #require(Double(fields[0])), try #require(Double(fields[1])),
                try #require(Double(fields[2].dropLast()))
            )
            #expect(n == 200_000)
            let mean = sum / n
            let standardError = ((sum2 / n - mean * mean) / n).squareRoot()
            let exact = pow(sqrt(Double.pi) / 2 * erf(1), 5)
            #expect(abs(mean - exact) < 5 * standardError, "mean \(mean) ± \(standardError), exact \(exact)")
        }

        @Test func appSeesOnlyItsTaskDirectoryAsHomeAndWorkingDirectory() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(
                runtime: .native, app: try SandboxFixtures.probe(), directory: directory, arguments: ["whoami"])
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.succeeded, "\(result)")
            #expect(SandboxFixtures.read(directory, "stdout.txt") == "/task\n/task\n")
        }

        @Test(arguments: [(UInt64?.none, true), (UInt64(256 << 20), false)])
        func memoryLimitStopsAnAppThatAllocatesTooMuch(limit: UInt64?, fits: Bool) async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(
                runtime: .native, app: try SandboxFixtures.probe(), directory: directory,
                arguments: ["alloc", String(512 << 20)], limits: TaskLimits(memoryBytes: limit))
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            if fits {
                #expect(result.succeeded, "\(result)")
            } else {
                #expect(result.status == .exited && result.exitCode == 4, "malloc should fail: \(result)")
            }
        }

        @Test func theAppCannotReachAServerOnLoopback() async throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(listener) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, length) == 0 && listen(listener, 4) == 0
                        && getsockname(listener, $0, &length) == 0
                }
            }
            try #require(bound)
            let port = String(UInt16(bigEndian: address.sin_port))

            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(
                runtime: .native, app: try SandboxFixtures.probe(), directory: directory, arguments: ["connect", port])
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.networkIsolated == true, "\(result)")
            #expect(result.exitCode == 3, "the app reached 127.0.0.1:\(port): \(result)")
        }

        @Test func aFileLargerThanTheDiskLimitEndsTheApp() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(
                runtime: .native, app: try SandboxFixtures.probe(), directory: directory,
                arguments: ["write", String(4 << 20)], limits: TaskLimits(diskBytes: 1 << 20))
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .diskLimitExceeded, "\(result)")
            #expect(result.signal == SIGXFSZ)
        }

        @Test func aTaskDirectoryGrowingPastTheDiskLimitIsKilled() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(
                runtime: .native, app: try SandboxFixtures.probe(), directory: directory,
                arguments: ["write", String(3 << 20), "4", "60"], limits: TaskLimits(diskBytes: 8 << 20))
            defer { SandboxFixtures.remove(task) }
            let running = try SandboxFixtures.runner(diskCheckInterval: .milliseconds(200)).start(task)
            let result = await running.result()
            #expect(result.status == .diskLimitExceeded, "\(result)")
            #expect(result.wallSeconds < 30)
            #expect(ResourceUsage.processGroup(running.processGroup).processCount == 0)
        }
    }
}
