import BorgAPIClient
import BorgCore
import BorgDonor
import BorgHarness
import BorgProtocol
import BorgSandbox
import Crypto
import Foundation
import Testing

/// Whole-grid scenarios with a real `borg-server` and real `borg-client` daemons running real
/// apps in `borg-sandbox`, all on 127.0.0.1. Work units are tiny: debug WasmKit is slow.
@Suite(.serialized) struct DonorScenarioTests {
    static let primes = try! Data(contentsOf: DonorGrid.primesApp)

    @Test func enrollRejectsBadInputAndWritesNothing() async throws {
        let grid = try DonorGrid(prefix: "borg-enroll")
        defer { grid.shutDown() }
        let token = try await grid.admin.createDonor(name: "ada").enrollmentToken
        let data = grid.dir.url.appendingPathComponent("donor")
        let cases: [([String], String)] = [
            (["enroll", grid.server.url, "--token", token, "--cpu", "150%"], "--cpu"),
            (["enroll", grid.server.url, "--token", token, "--disk", "-1"], "--disk"),
            (["enroll", grid.server.url, "--token", token, "--memory", "lots"], "--memory"),
            (["enroll", grid.server.url, "--token", "wrong-token"], "--token"),
            (["enroll", "http://127.0.0.1:1", "--token", token], "URL"),
        ]
        for (arguments, flag) in cases {
            let result = try grid.client(arguments + ["--data-dir", data.path])
            #expect(result.status != 0, "\(arguments) succeeded")
            #expect(result.stderr.contains(flag), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: data.path), "\(arguments) left \(data.path) behind")
        }
        let enrolled = try grid.client(["enroll", grid.server.url, "--token", token, "--cpu", "30%", "--disk", "1GiB", "--data-dir", data.path])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        let again = try grid.client(["enroll", grid.server.url, "--token", token, "--data-dir", data.path])
        #expect(again.status != 0 && again.stderr.contains("already"))

        let changed = try grid.client(["config", "--cpu", "25%", "--memory", "1GiB", "--data-dir", data.path])
        #expect(changed.status == 0, "\(changed.stderr)")
        let bad = try grid.client(["config", "--cpu", "0%", "--data-dir", data.path])
        #expect(bad.status != 0 && bad.stderr.contains("--cpu"))
        let status = try grid.client(["status", "--json", "--data-dir", data.path])
        let json = try #require(JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let caps = try #require(json["caps"] as? [String: Any])
        #expect(caps["cpuFraction"] as? Double == 0.25)
        #expect(caps["diskBytes"] as? Int == 1 << 30)
        #expect(caps["memoryBytes"] as? Int == 1 << 30)
    }

    /// Teams from the command line: a submitter creates one with `borg-submit team create`, a donor's machine
    /// joins with `borg-client team join`, `stats` shows it, `team leave` leaves; a team that does not exist
    /// is a clear error.
    @Test func aDonorJoinsAndLeavesATeamFromTheCommandLine() async throws {
        let grid = try DonorGrid(prefix: "borg-team")
        defer { grid.shutDown() }
        let data = try await grid.enroll("ada")
        let created = try grid.submit(["team", "create", "Crunchers", "--description", "we crunch", "--founder", "ada"])
        #expect(created.status == 0 && created.stdout.contains("Team 'Crunchers' created"), "\(created.stderr)")
        let missing = try grid.client(["team", "join", "Nobody", "--data-dir", data.path])
        #expect(missing.status != 0 && missing.stderr.contains("no team named 'Nobody'"), "\(missing.stderr)")
        let joined = try grid.client(["team", "join", "Crunchers", "--data-dir", data.path])
        #expect(joined.status == 0 && joined.stdout.contains("you are in team 'Crunchers'"), "\(joined.stderr)")
        let stats = try grid.client(["stats", "--data-dir", data.path])
        #expect(stats.stdout.contains("team 'Crunchers'"), "\(stats.stdout)")
        let listed = try grid.submit(["team", "list", "--json"])
        let teams = try JSONDecoder().decode([TeamStats].self, from: Data(listed.stdout.utf8))
        #expect(teams.map(\.name) == ["Crunchers"] && teams.first?.members == 1)
        #expect(try grid.client(["team", "leave", "--data-dir", data.path]).status == 0)
        #expect(try await grid.admin.teamStats().first?.members == 0)
    }

    @Test func threeDonorsFinishABatchAtQuorumTwo() async throws {
        let grid = try DonorGrid(prefix: "borg-donors")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, replication: 2, quorum: 2, signingKey: key)
        let ranges = (0..<6).map { "\($0 * 5000) \(($0 + 1) * 5000)" }
        let batch = try grid.submitRanges("primes", ranges)
        var donors: [URL] = []
        for (name, cpu) in [("ada", "50%"), ("bob", "30%"), ("cy", "25%")] {
            let data = try await grid.enroll(name, cpu: cpu)
            donors.append(data)
            _ = try grid.start(data)
        }
        let status = try await grid.waitForBatch(batch, timeout: 180)
        #expect(status.state == .completed && status.completed == 6 && status.failed == 0)
        #expect(try await grid.total(of: batch) == DonorGrid.primeCount(below: 30_000))

        var valid = 0
        for data in donors {
            let stats = try grid.client(["stats", "--json", "--data-dir", data.path])
            #expect(stats.status == 0, "\(stats.stderr)")
            let contribution = try JSONDecoder().decode(Contribution.self, from: Data(stats.stdout.utf8))
            #expect(contribution.online)
            valid += contribution.donor?.tasks.valid ?? 0
            #expect(contribution.donor?.tasks.error == 0)
        }
        #expect(valid >= 12)
    }

    @Test func killedDonorsTasksAreReissuedAndTheBatchCompletes() async throws {
        let grid = try DonorGrid(prefix: "borg-kill9")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, replication: 2, quorum: 2, signingKey: key)
        // The victim alone gets work first: long units, so that it is mid-task when killed.
        let batch = try grid.submitRanges("primes", (0..<4).map { "\($0 * 200_000) \(($0 + 1) * 200_000) 20000" }, deadline: 20)
        let victimData = try await grid.enroll("victim", cpu: "100%")
        let victim = try grid.start(victimData)
        try await grid.waitUntil("the victim runs a task", timeout: 180) {
            grid.tasks(of: victimData).contains { $0.phase == .running }
        }
        #expect(victim.stop(signal: SIGKILL) == SIGKILL)
        // The victim never comes back: its leftover sandbox would only slow the other donors down.
        TaskProcesses.endLeftovers(in: DataDirectory(victimData.path))

        for name in ["ada", "bob"] { _ = try grid.start(try await grid.enroll(name, cpu: "50%")) }
        let status = try await grid.waitForBatch(batch, timeout: 240)
        #expect(status.state == .completed && status.completed == 4)
        #expect(try await grid.total(of: batch) == DonorGrid.primeCount(below: 800_000))
        for unit in try await grid.admin.batchResults(batch).workUnits {
            #expect(unit.agreeingHosts.count == 2)
        }
    }

    @Test func restartedDonorEndsItsOrphanedSandboxAndResumesFromItsCheckpoint() async throws {
        let grid = try DonorGrid(prefix: "borg-restart")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        // Long enough (about 10 s in a debug build) that the run is still going when its client is killed.
        let batch = try grid.submitRanges("primes", ["0 4000000 20000"])
        let data = try await grid.enroll("ada", cpu: "50%")
        let first = try grid.start(data)
        var checkpoint = URL(fileURLWithPath: "/")
        try await grid.waitUntil("the task writes a checkpoint", timeout: 60) {
            guard let task = grid.tasks(of: data).first else { return false }
            checkpoint = data.appendingPathComponent("tasks/\(task.id)/checkpoint")
            return FileManager.default.fileExists(atPath: checkpoint.path)
        }
        let task = try #require(grid.tasks(of: data).first)
        let killed = try #require(try DonorGrid.SeenProcess.of(first.pid))
        kill(first.pid, SIGKILL)
        try await grid.waitUntil("the client is dead", timeout: 30) { try !killed.isAlive }
        // The killed client's sandbox runs on: the restarted client must find it and end it.
        let orphans = try DonorGrid.SeenProcess.tasks(of: data)
        #expect(orphans.contains { $0.command == "borg-sandbox" }, "no orphan to end: \(orphans)")
        for orphan in orphans { #expect(try orphan.isAlive, "\(orphan) did not outlive the client") }
        let saved = try String(contentsOf: checkpoint, encoding: .utf8)

        let second = try grid.start(data)
        try await grid.waitUntil("the restarted client requeued the task", timeout: 30) {
            second.log.contains("it resumes in its task directory")
        }
        // Ended by the client before it runs the task again, not by finishing on its own.
        for orphan in orphans { #expect(try !orphan.isAlive, "\(orphan) still runs beside the restarted client") }
        let status = try await grid.waitForBatch(batch, timeout: 180)
        #expect(status.state == .completed)
        #expect(try await grid.total(of: batch) == DonorGrid.primeCount(below: 4_000_000))
        let log = second.log
        let sandbox = try #require(orphans.first { $0.command == "borg-sandbox" })
        #expect(log.contains("ended the sandbox (pid \(sandbox.pid)) that task \(task.id) left running"), "\(log)")
        #expect(log.contains("2 run(s)"), "\(log)")
        #expect(log.contains("resuming at"), "the app did not resume from its checkpoint (\(saved)): \(log)")
    }

    @Test func unenrolledDonorsTasksAreReissuedAtOnceAndNothingIsLeft() async throws {
        let grid = try DonorGrid(prefix: "borg-unenroll")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        let batch = try grid.submitRanges("primes", ["0 50000000", "50000000 100000000"])
        let data = try await grid.enroll("ada", cpu: "100%")
        let client = try grid.start(data)
        try await grid.waitUntil("both tasks run", timeout: 30) {
            grid.tasks(of: data).filter { $0.phase == .running }.count == 2
        }
        let before = try #require(try await grid.admin.projectStats().first { $0.project == "primes" })
        #expect(before.tasksInProgress == 2)
        // The check below sees the live task processes before it is trusted to see none.
        let running = try DonorGrid.SeenProcess.tasks(of: data)
        #expect(running.filter { $0.command == "borg-sandbox" }.count == 2, "\(running)")
        for process in running { #expect(try process.isAlive) }

        let left = try grid.client(["unenroll", "--data-dir", data.path])
        #expect(left.status == 0, "\(left.stderr)")
        #expect(left.stdout.contains("gave 2 unfinished task(s) back"), "\(left.stdout)")
        #expect(left.stdout.contains("final contribution"))
        #expect(client.stop() == 0, "the client did not exit cleanly")
        #expect(!FileManager.default.fileExists(atPath: data.path))
        for process in running { #expect(try !process.isAlive, "\(process) outlived unenroll") }

        let after = try #require(try await grid.admin.projectStats().first { $0.project == "primes" })
        #expect(after.tasksInProgress == 0 && after.tasksUnsent == 2, "\(after)")
        #expect(try await grid.admin.batchStatus(batch).state == .active)
    }

    /// Issue 8's attacks, as signed native apps run by a real client: the donor's `config.json` cannot be
    /// copied out or linked to as an output, and `setsid sleep` started by an app does not survive
    /// `unenroll --force`.
    @Test func hostileNativeAppsGetNothingOfTheDonorsAndLeaveNothingBehind() async throws {
        let grid = try DonorGrid(prefix: "borg-hostile")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        let native = DonorCaps.nativePlatform
        let steal = "#!/bin/sh\ncp ../../config.json out/secret\nls -a ../.. > out/listing\n"
        try grid.createProject("steal", app: Data(steal.utf8), platform: native, signingKey: key)
        try grid.createProject("link", app: Data("#!/bin/sh\nln -s ../../config.json out/secret\n".utf8), platform: native, signingKey: key)
        let linger = "#!/bin/sh\nsetsid sleep 613 &\nsleep 614 &\nexec sleep 615\n"
        try grid.createProject("linger", app: Data(linger.utf8), platform: native, signingKey: key)
        let stolen = try grid.submitRanges("steal", ["0 1"])
        let linked = try grid.submitRanges("link", ["0 1"])
        let data = try await grid.enroll("ada", cpu: "100%")
        let secret = try DonorConfiguration.load(from: DataDirectory(data.path)).hostSecret
        let client = try grid.start(data)

        #expect(try await grid.waitForBatch(stolen, timeout: 60).completed == 1)
        for unit in try await grid.admin.batchResults(stolen).workUnits {
            #expect(unit.outputs.map(\.name) == ["listing"], "\(unit)")
            for output in unit.outputs {
                let text = String(decoding: try await grid.admin.download(output.sha256), as: UTF8.self)
                #expect(!text.contains(secret) && !text.contains("config.json"), "\(output.name): \(text)")
            }
        }
        try await grid.waitUntil("the link's task was reported as an error", timeout: 60) {
            try await grid.admin.hostStats().first { $0.name == "ada" }?.tasks.error == 1
        }
        #expect(try await grid.admin.batchStatus(linked).completed == 0)
        #expect(client.log.contains("outputs refused: output 'secret' is a symbolic link; outputs must be regular files"), "\(client.log)")

        _ = try grid.submitRanges("linger", ["0 1"])
        var lingering = Set<DonorGrid.SeenProcess>()
        try await grid.waitUntil("the app's sleeps run", timeout: 60) {
            lingering = try DonorGrid.SeenProcess.tasks(of: data)
            return lingering.filter { $0.command == "sleep" }.count >= 2
        }
        for process in lingering { #expect(try process.isAlive) }
        let left = try grid.client(["unenroll", "--force", "--data-dir", data.path])
        #expect(left.status == 0, "\(left.stderr)")
        #expect(client.stop() == SIGKILL)
        for process in lingering { #expect(try !process.isAlive, "\(process) outlived unenroll --force") }
    }

    /// A coordinator that sends impossible sizes (negative, adding up past Int64) gets an error report for
    /// that task; the client neither traps nor runs it. The sizes are put in the coordinator's database
    /// behind its back, as a compromised or older coordinator would send them.
    @Test func impossibleSizesFromACoordinatorAreReportedNotACrash() async throws {
        let grid = try DonorGrid(prefix: "borg-sizes")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        let inputs = grid.dir.url.appendingPathComponent("two-inputs/unit")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["range", "extra"] { try Data("0 1000\n".utf8).write(to: inputs.appendingPathComponent(name)) }
        let submitted = try grid.submit(["batch", "submit", "primes", "--inputs", inputs.deletingLastPathComponent().path, "--quiet"])
        let batch = try #require(BatchID(submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(submitted.stderr)")
        let size = -(Int64.max / 2) - 1000
        let database = grid.server.dataDirectory.appendingPathComponent("borg.sqlite").path
        // The store keeps a work unit's inputs as "name<TAB>sha256<TAB>size" lines; both inputs have 7 bytes.
        let tampered = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/sqlite3"), [
            "-cmd", ".timeout 10000", database,
            """
            UPDATE work_unit SET inputs = rtrim(replace(inputs || char(10), char(9) || '7' || char(10), \
            char(9) || '\(size)' || char(10)), char(10)) WHERE batch_id = \(batch);
            SELECT inputs FROM work_unit WHERE batch_id = \(batch);
            """,
        ])
        #expect(tampered.stdout.components(separatedBy: "\t\(size)").count == 3, "\(tampered.stdout)")
        #expect(tampered.status == 0, "\(tampered.stderr)")

        let data = try await grid.enroll("ada", cpu: "50%")
        let client = try grid.start(data)
        try await grid.waitUntil("the task was reported as an error", timeout: 60) {
            try await grid.admin.hostStats().first { $0.name == "ada" }?.tasks.error == 1
        }
        try await Task.sleep(for: .seconds(1))
        #expect(client.process.isRunning, "the client died: \(client.log)")
        let log = client.log
        #expect(log.contains("refused: the coordinator gave input"), "\(log)")
        #expect(log.contains("sizes cannot be negative"), "\(log)")
        #expect(!log.contains(") started, run"), "a task with impossible sizes was run: \(log)")
    }

    /// `--no-native`: the host asks for WebAssembly work only; `config --native` lets native work in again.
    @Test func aDonorWhoRefusesNativeAppsGetsOnlyWebAssemblyWork() async throws {
        let grid = try DonorGrid(prefix: "borg-no-native")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        try grid.createProject("shell", app: Data("#!/bin/sh\necho native > out/said\n".utf8), platform: DonorCaps.nativePlatform,
            signingKey: key)
        let wasm = try grid.submitRanges("primes", ["0 1000"])
        let native = try grid.submitRanges("shell", ["0 1"])
        let data = try await grid.enroll("ada", cpu: "50%", flags: ["--no-native"])
        let status = try grid.client(["status", "--data-dir", data.path])
        #expect(status.stdout.contains("native apps refused"), "\(status.stdout)")
        let client = try grid.start(data)
        #expect(try await grid.waitForBatch(wasm, timeout: 60).completed == 1)
        try await Task.sleep(for: .seconds(3))
        let shell = try #require(try await grid.admin.projectStats().first { $0.project == "shell" })
        #expect(shell.tasksUnsent == 1 && shell.tasksInProgress == 0, "\(shell)")

        let allowed = try grid.client(["config", "--native", "--data-dir", data.path])
        #expect(allowed.status == 0 && !allowed.stdout.contains("native apps refused"), "\(allowed)")
        #expect(try await grid.waitForBatch(native, timeout: 60).completed == 1, "\(client.log)")
    }

    /// The disk cap holds however an app spends it: a tree nested deeper than the client may open files
    /// at once, with a large file at the bottom, is counted whole; the task ends with a clear error and its
    /// directory is deleted.
    @Test func aTaskNestedPastTheOpenFileLimitIsStoppedByTheDiskCapAndDeleted() async throws {
        let grid = try DonorGrid(prefix: "borg-nest")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        let depth = Int(min(limit.rlim_cur, 100_000)) + 100
        let nest = """
            #!/usr/bin/perl
            for (1..\(depth)) { mkdir "d" or die "mkdir: $!"; chdir "d" or die "chdir: $!"; }
            open(my $f, ">", "big") or die; print $f ("x" x (64 << 20)); close($f); sleep 120;
            """
        try grid.createProject("nest", app: Data(nest.utf8), platform: DonorCaps.nativePlatform, signingKey: key)
        _ = try grid.submitRanges("nest", ["0 1"])
        // 50% of 2 cores: one task at a time, two held; each may use half the cap: the levels and half the file.
        let share = UInt64(depth) * 4096 + (32 << 20)
        let data = try await grid.enroll("ada", cpu: "50%", flags: ["--disk", String(share * 2)])
        let client = try grid.start(data)
        try await grid.waitUntil("the task was reported as an error", timeout: 120) {
            try await grid.admin.hostStats().first { $0.name == "ada" }?.tasks.error == 1
        }
        let log = client.log
        #expect(log.contains("task directory exceeded the disk limit"), "\(log)")
        try await grid.waitUntil("the task directory is deleted", timeout: 30) {
            (try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("tasks").path)).isEmpty
        }
    }

    /// `Client/systemd/unenroll.sh` on this machine, which runs no systemd: it says so, unenrolls the host
    /// as the service's user, removes the data directory (whose parent that user may not change) and the
    /// unit file, and exits 0.
    @Test func theSystemdUnenrollScriptWorksAndSaysWhatItCannotDo() async throws {
        let grid = try DonorGrid(prefix: "borg-systemd")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        // A native app, so that the service's own user (not root) runs it in bubblewrap.
        try grid.createProject("wait", app: Data("#!/bin/sh\nsleep 617\n".utf8), platform: DonorCaps.nativePlatform, signingKey: key)
        _ = try grid.submitRanges("wait", ["0 1"])
        // /var/lib in miniature: only root may change it; the data directory in it is the service user's.
        let varLib = grid.dir.url.appendingPathComponent("var-lib")
        let data = varLib.appendingPathComponent("borg")
        let unitDirectory = grid.dir.url.appendingPathComponent("systemd")
        for directory in [varLib, unitDirectory] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        chmod(grid.dir.url.path, 0o755)
        chmod(varLib.path, 0o755)
        _ = FileManager.default.createFile(atPath: unitDirectory.appendingPathComponent("borg-client.service").path, contents: Data())
        let user = "nobody"
        let client = BuildProducts.executable("borg-client").path
        let runuser = URL(fileURLWithPath: "/usr/sbin/runuser")
        #expect(try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/install"), ["-d", "-o", user, "-m", "0700", data.path]).status == 0)
        let donor = try await grid.admin.createDonor(name: "service")
        let enrolled = try CommandRunner.run(runuser, ["-u", user, "--", client, "enroll", grid.urls[0], "--token",
            donor.enrollmentToken, "--name", "service", "--data-dir", data.path])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        // The service: `borg-client run` as its user, stopped by PID.
        let service = Process()
        service.executableURL = runuser
        service.arguments = ["-u", user, "--", client, "run", "--data-dir", data.path]
        let serviceLog = grid.dir.url.appendingPathComponent("service.log")
        _ = FileManager.default.createFile(atPath: serviceLog.path, contents: nil)
        service.standardOutput = try FileHandle(forWritingTo: serviceLog)
        service.standardError = service.standardOutput
        try service.run()
        defer { if service.isRunning { kill(service.processIdentifier, SIGKILL); service.waitUntilExit() } }
        var running = Set<DonorGrid.SeenProcess>()
        try await grid.waitUntil("the service runs its task", timeout: 30) {
            running = try DonorGrid.SeenProcess.tasks(of: data)
            return running.contains { $0.command == "sleep" }
        }

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Client/systemd/unenroll.sh")
        let left = try CommandRunner.run(script, [], environment: [
            "BORG_DATA_DIR": data.path, "BORG_USER": user, "BORG_CLIENT": client, "BORG_UNIT_DIR": unitDirectory.path,
        ])
        #expect(left.status == 0, "\(left.stdout)\(left.stderr)")
        #expect(left.stdout.contains("systemd is not running on this machine"), "\(left.stdout)")
        #expect(left.stdout.contains("gave 1 unfinished task(s) back"), "\(left.stdout)")
        #expect(left.stdout.contains("This machine has left the grid."), "\(left.stdout)")
        #expect(!FileManager.default.fileExists(atPath: data.path))
        #expect(!FileManager.default.fileExists(atPath: unitDirectory.appendingPathComponent("borg-client.service").path))
        service.waitUntilExit()
        #expect(service.terminationStatus == 0, "the client did not stop cleanly: \((try? String(contentsOf: serviceLog, encoding: .utf8)) ?? "")")
        for process in running { #expect(try !process.isAlive, "\(process) outlived the script") }
        let stats = try #require(try await grid.admin.projectStats().first { $0.project == "wait" })
        #expect(stats.tasksInProgress == 0 && stats.tasksUnsent == 1, "\(stats)")
    }

    @Test func tamperedUnsignedAndReKeyedAppsAreRefused() async throws {
        let grid = try DonorGrid(prefix: "borg-signing")
        defer { grid.shutDown() }
        let key = try grid.createKey("keys")
        try grid.createProject("primes", app: Self.primes, signingKey: key)
        let data = try await grid.enroll("ada", cpu: "50%")
        // This host pinned another key for 'rekeyed' earlier (say, from another grid).
        let otherKey = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        try JSONEncoder().encode(["rekeyed": otherKey]).write(to: data.appendingPathComponent("pinned-keys.json"))
        let client = try grid.start(data)
        let good = try grid.submitRanges("primes", ["0 1000"])
        #expect(try await grid.waitForBatch(good, timeout: 60).completed == 1)

        // The project key's signature of the real app, sent with a different app file.
        let keyText = try String(contentsOfFile: key, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: try #require(Data(base64Encoded: keyText)))
        let realSHA = SHA256.hash(data: Self.primes).map { String(format: "%02x", $0) }.joined()
        let stolen = try privateKey.signature(for: Data(realSHA.utf8)).base64EncodedString()
        let publicKey = privateKey.publicKey.rawRepresentation.base64EncodedString()
        try grid.createProject("tampered", app: Self.primes + Data([0]), signingKey: nil,
            manifestSignature: (stolen, publicKey))
        try grid.createProject("unsigned", app: Self.primes, signingKey: nil)
        try grid.createProject("rekeyed", app: Self.primes, signingKey: key)
        let batches = [
            try grid.submitRanges("tampered", ["0 1000"]), try grid.submitRanges("unsigned", ["0 1000"]),
            try grid.submitRanges("rekeyed", ["0 1000"]),
        ]
        try await grid.waitUntil("the host reported three errors", timeout: 60) {
            try await grid.admin.hostStats().first { $0.name == "ada" }?.tasks.error == 3
        }
        for batch in batches {
            #expect(try await grid.admin.batchStatus(batch).completed == 0)
        }
        let log = client.log
        #expect(log.contains("app signature invalid: the signature does not match"), "\(log)")
        #expect(log.contains("app signature invalid: project 'unsigned' sent an unsigned app"), "\(log)")
        #expect(log.contains("app signature invalid: project 'rekeyed' is now signed by a different key"), "\(log)")
        #expect(log.components(separatedBy: ") started, run").count == 2, "a refused app was run: \(log)")
    }

    /// The CPU cap, pause, resume and a changed cap, measured from /proc while a real client runs two
    /// native apps that each burn on every core: first one and a half cores' worth of the machine (two
    /// tasks at once), then, changed while paused, half a core's worth shared by the same two tasks.
    @Test func cpuCapHoldsThroughTheClient() async throws {
        let grid = try DonorGrid(prefix: "borg-cpucap")
        defer { grid.shutDown() }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let key = try grid.createKey("keys")
        // One busy loop per core: `cores - 1` in the background and the script's own.
        let burner = Data("#!/bin/sh\ni=1\nwhile [ $i -lt \(cores) ]; do (while :; do :; done) & i=$((i + 1)); done\nwhile :; do :; done\n".utf8)
        try grid.createProject("burn", app: burner, platform: "native-linux-x86_64", signingKey: key)
        _ = try grid.submitRanges("burn", ["0 1", "1 2", "2 3"])
        // Percentages of the machine: one and a half cores' worth (two tasks run), and half a core's.
        let above = min(100, 150 / cores)
        let below = max(1, 50 / cores)
        let data = try await grid.enroll("ada", cpu: "\(above)%")
        let client = try grid.start(data)
        var groups: [Int32] = []
        let expectedTasks = min(2, Int((Double(above * cores) / 100).rounded(.up)))
        try await grid.waitUntil("\(expectedTasks) burners run", timeout: 30) {
            groups = grid.tasks(of: data).filter { $0.phase == .running }.compactMap(\.processGroup)
            return groups.count == expectedTasks
        }
        let running = groups

        /// The share of the whole machine the running tasks used together over `seconds`.
        func machineShare(over seconds: Double) async throws -> Double {
            func used() -> Double { running.map { ResourceUsage.processGroup($0).cpuSeconds }.reduce(0, +) }
            let start = used()
            let clock = ContinuousClock.now
            try await Task.sleep(for: .seconds(seconds))
            return (used() - start) / ((ContinuousClock.now - clock) / .seconds(1) * Double(cores))
        }
        /// Checks the share used under `percent`: every loop wants a core, so the tasks could use the
        /// whole machine and the cap binds. A cap not applied (or not to the second task) reads near 100 %.
        func expectShare(_ share: Double, under percent: Int, _ when: String) {
            let demand = Double(running.count * cores) / Double(cores)
            let expected = min(Double(percent) / 100, demand)
            #expect(share <= expected + 0.06, "\(when): the tasks used \(share * 100)% of the machine under --cpu \(percent)%")
            #expect(share >= 0.6 * expected, "\(when): the tasks got only \(share * 100)% of the machine under --cpu \(percent)%")
        }
        try await Task.sleep(for: .seconds(1))
        expectShare(try await machineShare(over: 15), under: above, "at start")

        // A running client applies pause, a new cap and resume at once.
        #expect(try grid.client(["pause", "--data-dir", data.path]).status == 0)
        try await Task.sleep(for: .seconds(1))
        let paused = try await machineShare(over: 2)
        #expect(paused < 0.02, "a paused client's tasks used \(paused * 100)% of the machine")
        #expect(try grid.client(["config", "--cpu", "\(below)%", "--data-dir", data.path]).status == 0)
        #expect(try grid.client(["resume", "--data-dir", data.path]).status == 0)
        try await Task.sleep(for: .seconds(1))
        #expect(Set(grid.tasks(of: data).filter { $0.phase == .running }.compactMap(\.processGroup)) == Set(running))
        expectShare(try await machineShare(over: 10), under: below, "after config --cpu \(below)% and resume")

        #expect(client.stop(signal: SIGTERM) == 0)
        for group in running { #expect(!TaskProcesses.isSandbox(group)) }
        #expect(client.log.contains("stopped"))
    }
}
