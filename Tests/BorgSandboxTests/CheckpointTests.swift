import BorgSandbox
import Foundation
import Testing

extension SandboxTests {
    /// A task killed with SIGKILL part-way resumes from its checkpoint when run again.
    @Suite struct CheckpointTests {
        @Test func primesResumesFromItsCheckpointAfterSIGKILL() async throws {
            // π(2·10^6) = 148933; a checkpoint every 131072 numbers.
            let directory = try SandboxFixtures.taskDirectory(inputs: ["range": "0 2000000 131072\n"])
            let task = SandboxTask(
                runtime: .wasm, app: SandboxFixtures.project("primes/app/primes.wasm"), directory: directory)
            defer { SandboxFixtures.remove(task) }
            let runner = try SandboxFixtures.runner()

            let first = try runner.start(task)
            let deadline = ContinuousClock.now + .seconds(120)
            while SandboxFixtures.read(directory, "checkpoint") == nil, !first.isFinished,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            first.kill()
            let killed = await first.result()
            #expect(killed.status == .killed)
            #expect(SandboxFixtures.read(directory, "out/count") == nil, "the run must not have finished")

            // The checkpoint as the killed run left it: "lo hi next count".
            let saved = try #require(SandboxFixtures.read(directory, "checkpoint")).split(separator: " ")
            let next = try #require(UInt64(saved[2]))
            #expect(next > 0 && next < 2_000_000)

            let second = try await runner.run(task)
            #expect(second.succeeded, "\(second)")
            #expect(SandboxFixtures.read(directory, "out/count") == "148933\n")
            let log = try #require(SandboxFixtures.read(directory, "stderr.txt"))
            #expect(
                log.contains(
                    "primes: resuming at \(next) with count \(saved[3].trimmingCharacters(in: .whitespacesAndNewlines))"
                ), "\(log)")
        }
    }
}
