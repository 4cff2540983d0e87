import BorgSandbox
import Foundation
import Testing

extension SandboxTests {
    @Suite struct TaskRunnerTests {
        @Test func locatesTheSandboxBesideTheRunningExecutable() throws {
            let path = try TaskRunner.locateSandboxExecutable(environment: [:])
            #expect(path.hasSuffix("/borg-sandbox"))
            #expect(throws: SandboxError.self) {
                try TaskRunner.locateSandboxExecutable(environment: ["BORG_SANDBOX": "/nonexistent/borg-sandbox"])
            }
            let notExecutable = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
            #expect(FileManager.default.createFile(atPath: notExecutable, contents: Data("#!/bin/sh\n".utf8)))
            defer { try? FileManager.default.removeItem(atPath: notExecutable) }
            #expect(throws: SandboxError.self) { try TaskRunner(sandboxExecutable: notExecutable) }
        }

        @Test func rejectsInvalidLimitsBeforeStarting() throws {
            let runner = try SandboxFixtures.runner()
            let app = SandboxFixtures.project("primes/app/primes.wasm")
            for limits in [TaskLimits(cpuFraction: 1.5), TaskLimits(memoryBytes: 0), TaskLimits(cpuFraction: 0.5)] {
                #expect(throws: SandboxError.self) {
                    try runner.start(SandboxTask(runtime: .wasm, app: app, directory: "/tmp", limits: limits))
                }
            }
        }

        @Test func cancellingTheCallerKillsTheTask() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(
                runtime: .native, app: try SandboxFixtures.probe(), directory: directory, arguments: ["burn", "0"])
            defer { SandboxFixtures.remove(task) }
            let runner = try SandboxFixtures.runner()
            let run = Task { try await runner.run(task) }
            try await Task.sleep(for: .milliseconds(500))
            run.cancel()
            let result = try await run.value
            #expect(result.status == .killed)
            #expect(!result.succeeded)
        }

        @Test func theSandboxRejectsBadFlagsWithExitCode64() throws {
            let sandbox = Process()
            sandbox.executableURL = URL(fileURLWithPath: try TaskRunner.locateSandboxExecutable())
            sandbox.arguments = ["run", "--runtime", "jvm", "--app", "x", "--dir", "/tmp"]
            let errors = Pipe()
            sandbox.standardError = errors
            try sandbox.run()
            sandbox.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(sandbox.terminationStatus == 64)
            #expect(message.contains("--runtime must be wasm or native"), "\(message)")
        }

        @Test func theCommandLineCarriesTheLimitsAndTheResultFileIsOutsideTheTaskDirectory() {
            let task = SandboxTask(
                runtime: .wasm, app: "a.wasm", directory: "/data/tasks/t1/", arguments: ["-v"],
                limits: TaskLimits(memoryBytes: 1024, fuel: 99, processes: 8))
            #expect(task.resultPath == "/data/tasks/t1.result.json")
            #expect(
                task.commandLine == [
                    "run", "--runtime", "wasm", "--app", "a.wasm", "--dir", "/data/tasks/t1/",
                    "--result", "/data/tasks/t1.result.json", "--nice", "19", "--memory", "1024", "--fuel", "99",
                    "--", "-v",
                ])
            var native = task
            native.runtime = .native
            #expect(native.commandLine.contains("--processes") && !native.commandLine.contains("--fuel"))
        }
    }
}
