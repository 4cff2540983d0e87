import BorgSandbox
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SandboxTests {
    /// Apps that try what an attacker would (Fixtures/hostile.c natively, Fixtures/hostile_wasm.c and
    /// escape.c as WebAssembly), run for real by `borg-sandbox`: each attempt is denied or the task is
    /// killed, the result says why, and no process of the task is left afterwards.
    @Suite struct HostileAppTests {
        /// A donor's data directory in miniature: `config.json` with a secret, and `tasks/1` for the app,
        /// with the permissions the client gives them.
        struct DonorFiles {
            let root: String
            var task: String { root + "/tasks/1" }
            var secret: String { root + "/config.json" }

            init() throws {
                root = FileManager.default.temporaryDirectory.appendingPathComponent("borg-hostile-\(UUID().uuidString)").path
                for (path, mode) in [(root, 0o711), (root + "/tasks", 0o711), (root + "/tasks/1", 0o700)] {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                    chmod(path, mode_t(mode))
                }
                try FileManager.default.createDirectory(atPath: task + "/in", withIntermediateDirectories: false)
                _ = FileManager.default.createFile(
                    atPath: secret, contents: Data(#"{"hostSecret": "s3cr3t"}"#.utf8), attributes: [.posixPermissions: 0o600])
            }

            func remove() { try? DirectoryTree.remove(root) }
        }

        func native(_ arguments: [String], in files: DonorFiles, limits: TaskLimits = TaskLimits()) throws -> SandboxTask {
            SandboxTask(runtime: .native, app: try SandboxFixtures.hostile(), directory: files.task, arguments: arguments, limits: limits)
        }

        @Test func aNativeAppCannotReadTheDonorsFiles() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let task = try native(["read", "../../config.json", files.secret, "/etc/shadow", "/root/.profile"], in: files)
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .exited && result.exitCode == 0, "the app read \(result.exitCode ?? -1) files: \(result)")
            #expect(SandboxFixtures.read(files.task, "stdout.txt") == "")
        }

        @Test func aNativeAppCannotWriteOutsideItsTaskDirectory() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let name = "borg-hostile-\(UUID().uuidString)"
            let targets = ["../../\(name)", files.root + "/" + name, "/" + name, "/usr/" + name, "/tmp/" + name, "/dev/" + name]
            let task = try native(["write"] + targets, in: files)
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .exited && result.exitCode == 0, "the app wrote \(result.exitCode ?? -1) files: \(result)")
            for path in [files.root + "/" + name, "/" + name, "/tmp/" + name] {
                #expect(!FileManager.default.fileExists(atPath: path), "\(path) was written")
                try? FileManager.default.removeItem(atPath: path)
            }
        }

        @Test func aNativeAppNeverRunsAsRoot() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let result = try await SandboxFixtures.runner().run(try native(["whoami"], in: files))
            #expect(result.succeeded, "\(result)")
            let ids = SandboxFixtures.read(files.task, "stdout.txt")?.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            #expect(ids?.count == 2 && ids?.contains(0) == false, "the app ran as \(ids ?? [])")
        }

        /// A sandbox that is not root (the systemd service's user) runs the app as itself, in the same
        /// sandbox: started here through runuser as `nobody`, with few descriptors open, so the ones it
        /// hands to bwrap have low numbers.
        @Test func aSandboxThatIsNotRootRunsTheAppAsItselfInTheSameSandbox() throws {
            try #require(geteuid() == 0, "this test starts the sandbox as nobody, which needs root")
            let files = try DonorFiles()
            defer { files.remove() }
            #expect(chown(files.task, 65534, 65534) == 0 && chown(files.task + "/in", 65534, 65534) == 0)
            var outputs: [String] = []
            for arguments in [["whoami"], ["read", "../../config.json", files.secret], ["socket"]] {
                let sandbox = Process()
                sandbox.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
                sandbox.arguments = ["-u", "nobody", "--", try TaskRunner.locateSandboxExecutable(), "run", "--runtime", "native",
                    "--app", try SandboxFixtures.hostile(), "--dir", files.task, "--"] + arguments
                let result = Pipe()
                sandbox.standardOutput = result
                try sandbox.run()
                let data = result.fileHandleForReading.readDataToEndOfFile()
                sandbox.waitUntilExit()
                let outcome = try JSONDecoder().decode(SandboxResult.self, from: data)
                #expect(outcome.succeeded && outcome.networkIsolated == true, "\(arguments): \(outcome)")
                outputs.append(SandboxFixtures.read(files.task, "stdout.txt") ?? "")
            }
            #expect(outputs.first == "65534 65534\n", "\(outputs)")
            #expect(outputs.last?.contains("Operation not permitted") == true, "\(outputs)")
        }

        @Test func aNativeAppCannotOpenANetworkSocket() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let result = try await SandboxFixtures.runner().run(try native(["socket"], in: files))
            #expect(result.status == .exited && result.exitCode == 0, "the app opened \(result.exitCode ?? -1) sockets: \(result)")
            #expect(SandboxFixtures.read(files.task, "stdout.txt")?.contains("Operation not permitted") == true)
        }

        @Test func aNativeAppInheritsNoDescriptorLeadingOutOfItsSandbox() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let result = try await SandboxFixtures.runner().run(try native(["fds"], in: files))
            #expect(result.status == .exited && result.exitCode == 0, "\(SandboxFixtures.read(files.task, "stdout.txt") ?? "")")
        }

        /// The app turns its `stdout.txt` into a link to the donor's secret; its next run is refused
        /// instead of appending to the secret.
        @Test func aLinkPlantedAsTheOutputFileIsNeverFollowed() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let runner = try SandboxFixtures.runner()
            let planted = try await runner.run(try native(["symlink", files.secret, "stdout.txt"], in: files))
            #expect(planted.succeeded, "\(planted)")
            let rerun = try await runner.run(try native(["whoami"], in: files))
            #expect(rerun.status == .failedToStart, "\(rerun)")
            #expect(rerun.message?.contains("stdout.txt is a symbolic link, not a regular file") == true, "\(rerun)")
            #expect(try String(contentsOfFile: files.secret, encoding: .utf8) == #"{"hostSecret": "s3cr3t"}"#)
        }

        /// setsid and setpgid are refused, and whatever the app left running dies with it.
        @Test func processesTheAppLeavesBehindEndWithTheTask() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let name = SandboxFixtures.uniqueProcessName()
            let running = try SandboxFixtures.runner().start(try native(["linger", name, "3"], in: files))
            defer { running.kill() }
            let deadline = ContinuousClock.now + .seconds(10)
            while try SandboxFixtures.processes(named: name).count < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try SandboxFixtures.processes(named: name).count == 2, "the check must see the app's children first")
            let result = await running.result()
            #expect(result.succeeded, "\(result)")
            #expect(SandboxFixtures.read(files.task, "stdout.txt")?.contains("setsid refused, setpgid refused") == true)
            #expect(try SandboxFixtures.processes(named: name).isEmpty, "the app's children outlived the task")
        }

        @Test func aForkBombStopsAtTheProcessCap() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let name = SandboxFixtures.uniqueProcessName()
            let task = try native(["forkbomb", name], in: files, limits: TaskLimits(processes: 32))
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .exited && result.exitCode == 7, "\(result)")
            let said = SandboxFixtures.read(files.task, "stdout.txt") ?? ""
            let forked = Int(said.split(separator: " ").dropFirst().first?.trimmingCharacters(in: .punctuationCharacters) ?? "")
            #expect(forked.map { $0 < 32 } == true, "\(said)")
            #expect(said.contains("Resource temporarily unavailable"), "\(said)")
            #expect(try SandboxFixtures.processes(named: name).isEmpty)
        }

        /// Four processes of 100 MiB each pass a per-process cap of 256 MiB, not a task-wide one.
        @Test func theMemoryOfAllTheTasksProcessesCountsAgainstTheLimit() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let task = try native(["hog", String(100 << 20), "4", "20"], in: files, limits: TaskLimits(memoryBytes: 256 << 20))
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .memoryLimitExceeded, "\(result)")
            #expect(result.message?.contains("together used more than \(256 << 20) bytes") == true, "\(result)")
            #expect(result.wallSeconds < 15)
        }

        /// Nested deeper than this process may open files, with a large file at the bottom: the
        /// disk check still counts every level, and kills the task.
        @Test(arguments: [SandboxRuntime.native, .wasm])
        func nestingPastTheOpenFileLimitDoesNotHideDiskUse(runtime: SandboxRuntime) async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            let depth = Int(min(limit.rlim_cur, 100_000)) + 50
            var directory = stat()
            #expect(stat(files.task + "/in", &directory) == 0)
            let levels = UInt64(depth) * UInt64(directory.st_blocks) * 512
            let bottom: UInt64 = 64 << 20
            let diskLimit = levels + bottom / 2
            let task =
                runtime == .native
                ? try native(["nest", String(depth), String(bottom), "30"], in: files, limits: TaskLimits(diskBytes: diskLimit))
                : SandboxTask(
                    runtime: .wasm, app: try SandboxFixtures.hostileModule(), directory: files.task,
                    arguments: ["nest", String(depth), String(bottom)], limits: TaskLimits(diskBytes: diskLimit, fuel: 4_000_000_000))
            let result = try await SandboxFixtures.runner(diskCheckInterval: .milliseconds(200)).run(task)
            #expect(result.status == .diskLimitExceeded, "\(result)")
            #expect(result.message == "task directory exceeded the disk limit of \(diskLimit) bytes", "\(result)")
        }

        @Test func aWasmAppCannotCreateASymbolicLink() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            try FileManager.default.createDirectory(atPath: files.task + "/out", withIntermediateDirectories: false)
            let task = SandboxTask(
                runtime: .wasm, app: try SandboxFixtures.hostileModule(), directory: files.task,
                arguments: ["symlink", "../../config.json", "out/secret"])
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .exited && result.exitCode == 0, "the link was made: \(result)")
            var info = stat()
            #expect(lstat(files.task + "/out/secret", &info) != 0)
        }

        @Test func aWasmAppCannotWriteOutsideItsTaskDirectory() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let name = "borg-hostile-\(UUID().uuidString)"
            let task = SandboxTask(
                runtime: .wasm, app: try SandboxFixtures.hostileModule(), directory: files.task,
                arguments: ["write", "../../\(name)", "/tmp/\(name)", "in/../../../\(name)"])
            let result = try await SandboxFixtures.runner().run(task)
            #expect(result.status == .exited && result.exitCode == 0, "the app wrote \(result.exitCode ?? -1) files: \(result)")
            #expect(!FileManager.default.fileExists(atPath: files.root + "/" + name))
        }

        @Test func aWasmAppFillingTheDiskIsStopped() async throws {
            let files = try DonorFiles()
            defer { files.remove() }
            let task = SandboxTask(
                runtime: .wasm, app: try SandboxFixtures.hostileModule(), directory: files.task,
                arguments: ["fill", String(64 << 20)], limits: TaskLimits(diskBytes: 8 << 20, fuel: 2_000_000_000))
            let result = try await SandboxFixtures.runner(diskCheckInterval: .milliseconds(200)).run(task)
            // The file-size limit stops the write (exit 3), or the disk check kills the task first.
            #expect(result.status == .diskLimitExceeded || result.exitCode == 3, "\(result)")
            #expect(try DiskUsage.bytes(in: files.task) <= 9 << 20)
        }
    }
}
