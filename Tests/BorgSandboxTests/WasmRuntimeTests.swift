import BorgSandbox
import Foundation
import Testing

extension SandboxTests {
    /// The wasm runtime, run for real through `borg-sandbox` on the example projects' modules.
    @Suite struct WasmRuntimeTests {
        let primes = SandboxFixtures.project("primes/app/primes.wasm")

        @Test func primesCountsATinyRangeAndFuelIsDeterministic() async throws {
            let runner = try SandboxFixtures.runner()
            var fuel: [UInt64] = []
            for _ in 0..<2 {
                let directory = try SandboxFixtures.taskDirectory(inputs: ["range": "0 10000\n"])
                let task = SandboxTask(runtime: .wasm, app: primes, directory: directory)
                defer { SandboxFixtures.remove(task) }
                let result = try await runner.run(task)
                #expect(result.succeeded, "\(result)")
                #expect(SandboxFixtures.read(directory, "out/count") == "1229\n")
                #expect(result.networkIsolated == true)
                fuel.append(try #require(result.fuelUsed))
            }
            #expect(fuel[0] > 10_000)
            #expect(fuel[0] == fuel[1])
        }

        @Test func primesRejectsABadRangeWithExitCode2() async throws {
            let directory = try SandboxFixtures.taskDirectory(inputs: ["range": "50 10\n"])
            let task = SandboxTask(runtime: .wasm, app: primes, directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .exited)
            #expect(result.exitCode == 2)
            #expect(SandboxFixtures.read(directory, "stderr.txt")?.contains("in/range must hold") == true)
        }

        @Test func aFileThatIsNotWebAssemblyFailsToStartWithAClearMessage() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let bogus = directory + "/../" + UUID().uuidString + ".wasm"
            try Data("this is not a module".utf8).write(to: URL(fileURLWithPath: bogus))
            defer { try? FileManager.default.removeItem(atPath: bogus) }
            let task = SandboxTask(runtime: .wasm, app: bogus, directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .failedToStart)
            #expect(result.message?.contains("is not a valid WebAssembly module") == true, "\(result)")
        }

        @Test func aModuleWithoutStartFailsToStart() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let module = try SandboxFixtures.writeModule(export: "main", body: [0x01], beside: directory)
            defer { try? FileManager.default.removeItem(atPath: module) }
            let task = SandboxTask(runtime: .wasm, app: module, directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .failedToStart)
            #expect(result.message?.contains("exports no _start") == true, "\(result)")
        }

        @Test func aTrapInTheGuestIsReported() async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let unreachable: [UInt8] = [0x00]
            let module = try SandboxFixtures.writeModule(export: "_start", body: unreachable, beside: directory)
            defer { try? FileManager.default.removeItem(atPath: module) }
            let task = SandboxTask(runtime: .wasm, app: module, directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .trapped)
            #expect(result.message?.contains("unreachable") == true, "\(result)")
        }

        /// `loop br 0 end`: runs until its fuel is gone, or forever until killed.
        @Test(arguments: [UInt64?(2_000_000), nil])
        func anEndlessGuestStopsAtItsFuelBudgetOrWhenKilled(fuel: UInt64?) async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let module = try SandboxFixtures.writeModule(
                export: "_start", body: [0x03, 0x40, 0x0C, 0x00, 0x0B], beside: directory)
            defer { try? FileManager.default.removeItem(atPath: module) }
            let task = SandboxTask(runtime: .wasm, app: module, directory: directory, limits: TaskLimits(fuel: fuel))
            defer { SandboxFixtures.remove(task) }
            let running = try SandboxFixtures.runner().start(task)
            if fuel == nil {
                try await Task.sleep(for: .milliseconds(500))
                #expect(!running.isFinished)
                running.kill()
            }
            let result = await running.result()
            #expect(result.status == (fuel == nil ? .killed : .outOfFuel), "\(result)")
            if let fuel {
                #expect(try #require(result.fuelUsed) <= fuel && result.fuelUsed! > fuel - 100)
            }
        }

        @Test(arguments: [SandboxRuntime.wasm, .native])
        func aMissingAppFailsToStart(runtime: SandboxRuntime) async throws {
            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(runtime: runtime, app: directory + "/no-such-app", directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .failedToStart)
            #expect(result.message?.contains("does not exist") == true, "\(result)")
        }

        @Test func aMissingTaskDirectoryFailsToStart() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
            let task = SandboxTask(runtime: .wasm, app: primes, directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .failedToStart)
            #expect(result.message?.contains("task directory") == true, "\(result)")
        }

        /// The guest reaches only its task directory: not `..`, not absolute paths, not a
        /// symbolic link pointing out (the app exits with the number of outside files it read).
        @Test func theGuestCannotReadOutsideItsTaskDirectory() async throws {
            let directory = try SandboxFixtures.taskDirectory(inputs: ["inside": "yes\n"])
            let outside = URL(fileURLWithPath: directory).deletingLastPathComponent().appendingPathComponent("outside")
                .path
            try Data("secret\n".utf8).write(to: URL(fileURLWithPath: outside))
            defer { try? FileManager.default.removeItem(atPath: outside) }
            try FileManager.default.createSymbolicLink(atPath: directory + "/in/link-out", withDestinationPath: outside)
            let task = SandboxTask(runtime: .wasm, app: try SandboxFixtures.escapeModule(), directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .exited)
            #expect(result.exitCode == 0, "the guest read \(result.exitCode ?? -1) files outside its directory")
        }

        /// primes.wasm needs 22 pages (1.4 MB) of linear memory for its sieve.
        @Test(arguments: [(UInt64(1 << 20), false), (UInt64(4 << 20), true)])
        func memoryLimitCapsTheGuestsLinearMemory(limit: UInt64, fits: Bool) async throws {
            let directory = try SandboxFixtures.taskDirectory(inputs: ["range": "0 1000\n"])
            let task = SandboxTask(
                runtime: .wasm, app: primes, directory: directory, limits: TaskLimits(memoryBytes: limit))
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            if fits {
                #expect(result.succeeded, "\(result)")
                #expect(try #require(result.peakMemoryBytes) <= limit)
            } else {
                #expect(result.status == .memoryLimitExceeded, "\(result)")
            }
        }

        @Test func aFuelBudgetStopsTheApp() async throws {
            let directory = try SandboxFixtures.taskDirectory(inputs: ["range": "0 100000\n"])
            let task = SandboxTask(runtime: .wasm, app: primes, directory: directory, limits: TaskLimits(fuel: 5_000))
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .outOfFuel, "\(result)")
            #expect(try #require(result.fuelUsed) <= 5_000)
            #expect(SandboxFixtures.read(directory, "out/count") == nil)
        }

        /// The mandelbrot module's tile matches the same arithmetic done here in Swift, bit for bit.
        @Test func mandelbrotTileMatchesAnIndependentComputation() async throws {
            let (width, height, maxIterations) = (8, 6, 300)
            let (x0, y0, step) = (-0.7453, 0.1127, 0.0000625)
            let hex = { (value: Double) in String(format: "%016llx", value.bitPattern) }
            let tile = "\(width) \(height) \(maxIterations) \(hex(x0)) \(hex(y0)) \(hex(step)) 2\n"
            let directory = try SandboxFixtures.taskDirectory(inputs: ["tile": tile])
            let task = SandboxTask(
                runtime: .wasm, app: SandboxFixtures.project("mandelbrot/app/mandelbrot.wasm"), directory: directory)
            defer { SandboxFixtures.remove(task) }
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.succeeded, "\(result)")

            var expected: [UInt32] = []
            for j in 0..<height {
                for i in 0..<width {
                    let (cx, cy) = (x0 + Double(i) * step, y0 - Double(j) * step)
                    var (x, y, k) = (0.0, 0.0, 0)
                    while k < maxIterations {
                        let (x2, y2) = (x * x, y * y)
                        if x2 + y2 > 4 { break }
                        let xy = x * y
                        y = xy + xy + cy
                        x = x2 - y2 + cx
                        k += 1
                    }
                    expected.append(UInt32(k))
                }
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/out/tile"))
            let counts = data.withUnsafeBytes { raw in
                (0..<raw.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self) }
            }
            #expect(counts == expected)
            #expect(Set(expected).count > 3)
        }
    }
}
