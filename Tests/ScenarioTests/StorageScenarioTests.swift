import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import BorgStorage
import Foundation
import Testing

/// Storage donation with real processes on 127.0.0.1: a coordinator, donors running `borg-client run
/// --storage`, and `borg-client files` moving pieces straight to and from them.
@Suite(.serialized) struct StorageScenarioTests {
    /// A coordinator and `hosts` storage hosts of distinct donors, each lending `capacity`.
    static func grid(_ prefix: String, hosts: Int, capacity: String = "64MiB", coordinators: Int = 1, serverArguments: [String] = [])
        async throws -> (DonorGrid, [URL], [ClientProcess])
    {
        let grid = try DonorGrid(prefix: prefix, replicas: coordinators, serverArguments: ["--storage-host-timeout", "4", "--storage-interval", "0.5",
                                                                   "--storage-repair-grace", "2"] + serverArguments)
        var data: [URL] = []
        var clients: [ClientProcess] = []
        for index in 0..<hosts {
            let host = try await grid.enroll("storer\(index)", flags: ["--storage", capacity, "--storage-listen", "127.0.0.1:0"])
            data.append(host)
            clients.append(try grid.start(host))
        }
        try await grid.waitUntil("\(hosts) storage hosts online", timeout: 30) {
            (try? await grid.admin.storageStatus())?.hosts.filter(\.online).count == hosts
        }
        return (grid, data, clients)
    }

    /// Random bytes in a file of the test's directory.
    static func randomFile(_ grid: DonorGrid, bytes: Int) throws -> (URL, Data) {
        var generator = SystemRandomNumberGenerator()
        let content = Data((0..<bytes / 8).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } })
        let url = grid.dir.url.appendingPathComponent("plain-\(UUID().uuidString.prefix(6)).bin")
        try content.write(to: url)
        return (url, content)
    }

    /// Starts `borg-client ARGUMENTS` without waiting for it (its output discarded, or its stderr written to
    /// `errors`).
    static func startClient(_ arguments: [String], errors: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = BuildProducts.executable("borg-client")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if let errors {
            FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errors)
        }
        try process.run()
        return process
    }

    /// Starts `files get NAME --out OUT` on `host` (its stderr to `errors`) and stops it (SIGSTOP) once it has the
    /// file's layout: when its output is begun, before any piece can have been read.
    static func startHeldGet(_ name: String, out: URL, on host: URL, errors: URL) throws -> Process {
        let partial = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).borg-partial")
        let get = try startClient(["files", "get", name, "--out", out.path, "--data-dir", host.path], errors: errors)
        let started = Date()
        while !FileManager.default.fileExists(atPath: partial.path), get.isRunning, Date().timeIntervalSince(started) < 60 { usleep(1_000) }
        kill(get.processIdentifier, SIGSTOP)
        return get
    }

    /// Starts `files put PLAIN --name NAME` at 3+1 in 32 KiB segments on `host` (its stderr to `errors`) and stops it
    /// (SIGSTOP) once `holder` holds some of its pieces: every piece must be stored (the success threshold is 4),
    /// so a put resumed after `holder` left must place the pieces it sent there, and those it has yet to, again.
    static func startHeldPut(_ plain: URL, name: String, on host: URL, onceHeldBy holder: URL, errors: URL, _ grid: DonorGrid)
        async throws -> Process
    {
        let put = try startClient(["files", "put", plain.path, "--name", name, "--redundancy", "3+1", "--segment-size", "32KiB",
                                   "--data-dir", host.path], errors: errors)
        try await grid.waitUntil("the put under way", timeout: 60) { pieceFiles([holder]).count > 2 }
        kill(put.processIdentifier, SIGSTOP)
        #expect(put.isRunning, "the put ended before the host left")
        return put
    }

    /// `borg-client unenroll` of the host in `directory`, given two minutes (an exit that stalls waits 300 s).
    static func unenroll(_ directory: URL) throws -> CommandResult {
        try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/timeout"),
                              ["120", BuildProducts.executable("borg-client").path, "unenroll", "--data-dir", directory.path])
    }

    /// The audits of host `name` that passed and that failed so far.
    static func audits(of name: String, _ grid: DonorGrid) async throws -> (passed: Int, failed: Int) {
        let host = try #require(try await grid.admin.storageStatus().hosts.first { $0.name == name })
        return (host.auditsPassed, host.auditsFailed)
    }

    /// Every piece file the hosts hold.
    static func pieceFiles(_ hosts: [URL]) -> [URL] {
        hosts.flatMap { host -> [URL] in
            let root = host.appendingPathComponent("storage/pieces")
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
            return walker.compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        }
    }

    @Test func noPieceHoldsAny64ByteRunOfThePlaintext() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-sealed", hosts: 3)
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: 6 << 20)
        let put = try grid.client(["files", "put", plain.path, "--name", "results.bin", "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        let pieces = Self.pieceFiles(hosts)
        #expect(pieces.count == 6 * 3)
        // Encrypted before coding: no piece holds any 64-byte run of the file (every such run contains one of
        // the file's 32-byte aligned blocks, and no piece holds one of those at any offset).
        let blocks = Set(stride(from: 0, to: content.count - 31, by: 32).map { content.subdata(in: $0..<($0 + 32)) })
        for file in pieces {
            let piece = try Data(contentsOf: file)
            let leaked = piece.count >= 32 && (0...(piece.count - 32)).contains { blocks.contains(piece.subdata(in: $0..<($0 + 32))) }
            #expect(!leaked, "\(file.path) holds plaintext")
        }
    }

    @Test func a64MiBFileSurvivesTwoKilledHostsAndRepairMakesItWholeOnTheOthers() async throws {
        // Each of the six donors lends 256 MiB: its quota (what it lends over the expansion) takes the file.
        let (grid, hosts, clients) = try await Self.grid("storage-survive", hosts: 6, capacity: "256MiB")
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: 64 << 20)

        let put = try grid.client(["files", "put", plain.path, "--name", "results.bin", "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        let cap = try ReadCap(parsing: put.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let status = try await grid.admin.storageStatus()
        #expect(status.files == 1)
        #expect(status.redundancy == "4+2")
        // 64 segments of 4+2: every host holds pieces, none holds two of one segment.
        #expect(status.hosts.allSatisfy { $0.pieces == 64 }, "\(status.hosts.map(\.pieces))")
        #expect(status.pieces == 64 * 6)

        // Kill two hosts (not the one fetching): the file still reads, byte for byte, from the other four.
        clients[4].stop(signal: SIGKILL)
        clients[5].stop(signal: SIGKILL)
        let out = grid.dir.url.appendingPathComponent("fetched.bin")
        let get = try grid.client(["files", "get", "results.bin", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(get.status == 0, "get failed: \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)

        // The read-cap alone, from another donor's machine, reads nothing: the file is not theirs.
        let stranger = try grid.client(["files", "get", cap.description, "--out", out.path + ".2", "--data-dir", hosts[1].path])
        #expect(stranger.status != 0)
        #expect(stranger.stderr.contains("belongs to another donor"), "\(stranger.stderr)")

        // Once the killed hosts are silent past the grace period, repair rebuilds their pieces on the four left
        // (two of them then hold two pieces of a segment), and the file reads again from those.
        try await grid.waitUntil("every segment back to six pieces on live hosts", timeout: 60) {
            guard let status = try? await grid.admin.storageStatus() else { return false }
            return status.hosts.filter(\.online).count == 4 && status.segmentsToRepair == 0 && status.pieces == 64 * 6
        }
        // No host keeps more than two pieces of a segment (m = 2), so the loss of any one of the four leaves k.
        for host in hosts.prefix(4) {
            let segments = Self.pieceFiles([host]).map { $0.lastPathComponent.split(separator: ".")[0] }
            #expect(Dictionary(grouping: segments) { $0 }.values.allSatisfy { $0.count <= 2 }, "\(host.lastPathComponent)")
        }
        clients[3].stop(signal: SIGKILL)
        let again = grid.dir.url.appendingPathComponent("fetched-after-repair.bin")
        let reread = try grid.client(["files", "get", "results.bin", "--out", again.path, "--data-dir", hosts[0].path])
        #expect(reread.status == 0, "get after repair failed: \(reread.stderr)")
        #expect(try Data(contentsOf: again) == content)
    }

    @Test func auditsCatchDamagedAndDroppedPiecesAndRepairRestoresThem() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-audit", hosts: 3)
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: (20 << 20) / 16)
        // 20 segments of 64 KiB at 2+1: every host holds 20 pieces.
        let put = try grid.client(["files", "put", plain.path, "--name", "data", "--segment-size", "64KiB", "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        var original: [URL: Data] = [:]
        for file in Self.pieceFiles(hosts) { original[file] = try Data(contentsOf: file) }
        #expect(original.count >= 60)

        // Host 0 silently drops 10 % of its pieces; one byte is flipped in a data piece (`<segment>.<index>`,
        // index < k) on host 1, of a segment whose piece on host 0 is still there, so the read needs it.
        let dropped = Array(Self.pieceFiles([hosts[0]]).prefix(max(1, Self.pieceFiles([hosts[0]]).count / 10)))
        let auditedBefore = try await Self.audits(of: "storer0", grid)
        for file in dropped { try FileManager.default.removeItem(at: file) }
        let droppedSegments = Set(dropped.map { $0.lastPathComponent.split(separator: ".")[0] })
        let onHost1 = try #require(Self.pieceFiles([hosts[1]]).first { file in
            let name = file.lastPathComponent.split(separator: ".")
            return Int(name[1])! < 2 && !droppedSegments.contains(name[0])
        })
        var damaged = try Data(contentsOf: onHost1)
        damaged[damaged.count / 2] ^= 0xFF
        try damaged.write(to: onHost1)

        // The owner still reads the file: the segment does not authenticate, its bad piece is found by its
        // digest, skipped, and another read.
        let out = grid.dir.url.appendingPathComponent("out.bin")
        let get = try grid.client(["files", "get", "data", "--out", out.path, "--data-dir", hosts[2].path])
        #expect(get.status != 0, "another donor's machine has no key to the file")
        let own = try grid.client(["files", "get", "data", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(own.status == 0, "get failed: \(own.stderr)")
        #expect(try Data(contentsOf: out) == content)

        // storer0 is caught within 100 of its audits: each picks a random piece of its 20, so each misses the
        // 10 % it dropped with probability 0.9, and 100 in a row miss with probability 0.9^100 ≈ 3·10⁻⁵.
        var firstCaught = 0
        try await grid.waitUntil("an audit of storer0 failed", timeout: 90) {
            let (passed, failed) = try await Self.audits(of: "storer0", grid)
            firstCaught = passed + failed - auditedBefore.passed - auditedBefore.failed
            return failed > 0
        }
        #expect(firstCaught <= 100, "storer0 was caught after \(firstCaught) audits")
        print("storer0, which dropped 10 % of its pieces, was caught within \(firstCaught) audits")

        // Audits find both hosts' faults, and repair puts every piece back, byte for byte.
        try await grid.waitUntil("every damaged and dropped piece rebuilt", timeout: 90) {
            original.allSatisfy { FileManager.default.contents(atPath: $0.key.path) == $0.value }
        }
        let status = try await grid.admin.storageStatus()
        let failed = Dictionary(status.hosts.map { ($0.name, $0.auditsFailed) }, uniquingKeysWith: { a, _ in a })
        #expect(failed["storer0"] ?? 0 >= dropped.count, "\(status.hosts)")
        #expect(failed["storer1"] ?? 0 >= 1, "\(status.hosts)")
        #expect(failed["storer2"] == 0)
        for host in status.hosts {
            print("audits of \(host.name): \(host.auditsPassed) passed, \(host.auditsFailed) failed")
        }
    }

    @Test func aDamagedPieceAReadMeetsIsReportedAuditedAndRebuilt() async throws {
        // No random audits: only what a reader reports is audited.
        let (grid, hosts, _) = try await Self.grid("storage-report", hosts: 3, serverArguments: ["--storage-audits", "0"])
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: 1 << 20)
        let put = try grid.client(["files", "put", plain.path, "--name", "data", "--segment-size", "64KiB", "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        // One byte flipped in a data piece (`<segment>.<index>`, index < k = 2): the read needs it.
        let victim = try #require(Self.pieceFiles([hosts[1]]).first { Int($0.lastPathComponent.split(separator: ".")[1])! < 2 })
        let original = try Data(contentsOf: victim)
        var damaged = original
        damaged[damaged.count / 2] ^= 0xFF
        try damaged.write(to: victim)
        let name = victim.lastPathComponent.split(separator: ".")
        let piece = "\(victim.deletingLastPathComponent().lastPathComponent).\(name[0]).\(name[1])"

        let out = grid.dir.url.appendingPathComponent("out.bin")
        let get = try grid.client(["files", "get", "data", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(get.status == 0, "get failed: \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)
        #expect(get.stderr.contains("1 damaged piece(s) skipped and read elsewhere (\(piece))"), "\(get.stderr)")
        #expect(get.stderr.contains("reported to the coordinator"), "\(get.stderr)")
        // The report has the piece audited: it fails, and repair puts it back byte for byte.
        try await grid.waitUntil("the damaged piece rebuilt", timeout: 60) {
            FileManager.default.contents(atPath: victim.path) == original
        }
        let status = try await grid.admin.storageStatus()
        #expect(status.hosts.map(\.auditsFailed).reduce(0, +) == 1, "\(status.hosts)")
    }

    @Test func aHostThatKeepsOfferingButAnswersNoAuditHasItsPiecesRebuilt() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-unanswering", hosts: 4)
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: 1 << 20)
        // 16 segments of 64 KiB at 3+1: every host holds 16 pieces.
        let put = try grid.client(["files", "put", plain.path, "--name", "data", "--segment-size", "64KiB", "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        // storer3 keeps running and offering its storage, but answers every read of a piece with an error, never
        // a verdict an audit could count: each of its piece files is now a directory (the host answers 500).
        let files = Self.pieceFiles([hosts[3]])
        #expect(files.count == 16)
        for file in files {
            try FileManager.default.removeItem(at: file)
            try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
        }
        try await grid.waitUntil("storer3's audits unanswered", timeout: 30) {
            (try? await grid.admin.storageStatus())?.hosts.first { $0.name == "storer3" }?.auditsUnansweredSince != nil
        }
        // Past the repair grace (2 s here) its pieces count as lost and are rebuilt on the other hosts.
        try await grid.waitUntil("storer3's pieces rebuilt on the others", timeout: 60) {
            guard let status = try? await grid.admin.storageStatus(), let storer3 = status.hosts.first(where: { $0.name == "storer3" })
            else { return false }
            return storer3.online && storer3.pieces == 0 && status.segmentsToRepair == 0
        }
        let out = grid.dir.url.appendingPathComponent("out.bin")
        let get = try grid.client(["files", "get", "data", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(get.status == 0, "get failed: \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)
    }

    /// Four storage hosts and a 1 MiB file `kept` at 2+1 in 16 segments, stored from the first; the last holds
    /// some of its pieces. Returns the grid, the hosts' data directories and the file's bytes.
    static func fourHostsKeepingAFile(_ prefix: String) async throws -> (DonorGrid, [URL], Data) {
        let (grid, hosts, _) = try await grid(prefix, hosts: 4)
        do {
            let (plain, content) = try randomFile(grid, bytes: 1 << 20)
            let put = try grid.client(["files", "put", plain.path, "--name", "kept", "--redundancy", "2+1", "--segment-size", "64KiB",
                                       "--data-dir", hosts[0].path])
            #expect(put.status == 0, "put failed: \(put.stderr)")
            #expect(!pieceFiles([hosts[3]]).isEmpty, "2+1 over four hosts: the last holds some of the 16 segments' pieces")
            return (grid, hosts, content)
        } catch {
            grid.shutDown()
            throw error
        }
    }

    @Test func unenrollMovesEveryPieceElsewhereBeforeItDeletesAnything() async throws {
        let (grid, hosts, content) = try await Self.fourHostsKeepingAFile("storage-exit")
        defer { grid.shutDown() }
        let leaving = hosts[3]

        let exit = try grid.client(["unenroll", "--data-dir", leaving.path])
        #expect(exit.status == 0, "unenroll failed: \(exit.stdout) \(exit.stderr)")
        #expect(exit.stdout.contains("every piece this host held is stored on other hosts"), "\(exit.stdout)")
        #expect(!FileManager.default.fileExists(atPath: leaving.path), "the unenrolled data directory is gone")

        // Every segment still has all three pieces, none on the host that left, and the file reads back whole.
        let status = try await grid.admin.storageStatus()
        #expect(status.segmentsToRepair == 0)
        #expect(status.pieces == 16 * 3)
        #expect(status.hosts.allSatisfy { $0.name != "storer3" || $0.pieces == 0 })
        let out = grid.dir.url.appendingPathComponent("kept.bin")
        let get = try grid.client(["files", "get", "kept", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(get.status == 0, "get failed: \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)
    }

    @Test func aForcedUnenrollLeavesAtOnceAndRepairRebuildsItsPieces() async throws {
        let (grid, hosts, content) = try await Self.fourHostsKeepingAFile("storage-force")
        defer { grid.shutDown() }
        let leaving = hosts[3]

        // No handing over: the host leaves at once and deletes everything.
        let exit = try grid.client(["unenroll", "--force", "--data-dir", leaving.path])
        #expect(exit.status == 0, "unenroll --force failed: \(exit.stdout) \(exit.stderr)")
        #expect(exit.stdout.contains("the grid rebuilds them from other pieces"), "\(exit.stdout)")
        #expect(!FileManager.default.fileExists(atPath: leaving.path), "the unenrolled data directory is gone")

        // The file reads back at once from the others, and repair rebuilds every piece the host took with it.
        let out = grid.dir.url.appendingPathComponent("kept.bin")
        let get = try grid.client(["files", "get", "kept", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(get.status == 0, "get failed: \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)
        try await grid.waitUntil("every segment whole on the three hosts left", timeout: 60) {
            guard let status = try? await grid.admin.storageStatus() else { return false }
            return status.segmentsToRepair == 0 && status.pieces == 16 * 3 && status.hosts.allSatisfy { $0.name != "storer3" || $0.pieces == 0 }
        }
    }

    @Test func hostsLeavingDuringAPutAndAGetCostNeitherAByte() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-leave-busy", hosts: 7)
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: 8 << 20)
        // A host leaves while a put sends pieces (some to it). The put is held from the moment the host holds
        // some of its pieces until the host has left: the exit must not wait for an upload that has not
        // committed, and the put must place again both the pieces it had sent there (its commit is refused)
        // and those it had yet to send.
        let putErrors = grid.dir.url.appendingPathComponent("put.stderr")
        let put = try await Self.startHeldPut(plain, name: "busy", on: hosts[0], onceHeldBy: hosts[6], errors: putErrors, grid)
        let firstExit = try Self.unenroll(hosts[6])
        kill(put.processIdentifier, SIGCONT)
        put.waitUntilExit()
        #expect(firstExit.status == 0, "\(firstExit.stdout) \(firstExit.stderr)")
        let putSaid = (try? String(contentsOf: putErrors, encoding: .utf8)) ?? ""
        #expect(put.terminationStatus == 0, "the put failed while a host left: \(putSaid)")
        #expect(putSaid.contains("piece(s) went to other hosts than planned"), "the put says it placed pieces again: \(putSaid)")

        // Another leaves while a get reads pieces (some from it): the get is held from the moment it has the
        // file's layout (its output begun) until the host has left, then reads what it lacks elsewhere.
        let out = grid.dir.url.appendingPathComponent("busy.bin")
        let getErrors = grid.dir.url.appendingPathComponent("get.stderr")
        let get = try Self.startHeldGet("busy", out: out, on: hosts[0], errors: getErrors)
        #expect(get.isRunning && !FileManager.default.fileExists(atPath: out.path), "the get ended before the host left")
        let secondExit = try Self.unenroll(hosts[5])
        kill(get.processIdentifier, SIGCONT)
        get.waitUntilExit()
        #expect(secondExit.status == 0, "\(secondExit.stdout) \(secondExit.stderr)")
        #expect(get.terminationStatus == 0, "the get failed while a host left: \((try? String(contentsOf: getErrors, encoding: .utf8)) ?? "")")
        #expect(try Data(contentsOf: out) == content)

        // Both left empty-handed and the grid still holds every segment whole.
        #expect(!FileManager.default.fileExists(atPath: hosts[6].path) && !FileManager.default.fileExists(atPath: hosts[5].path))
        try await grid.waitUntil("full redundancy on the five hosts left", timeout: 60) {
            guard let status = try? await grid.admin.storageStatus() else { return false }
            return status.segmentsToRepair == 0 && status.pieces == 256 * 4 && status.hosts.filter(\.online).count == 5
        }
    }

    @Test func aPutWhoseFileChangedSendsNoPieceSealedAgainFromOtherBytes() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-changed", hosts: 5)
        defer { grid.shutDown() }
        let (plain, _) = try Self.randomFile(grid, bytes: 8 << 20)
        // As above, a host leaves while the put is held, so the commit is refused and the pieces it held must be
        // coded again from the file; meanwhile the file was rewritten. A segment sealed again from other bytes under
        // the same nonce would let anyone holding both pieces read the XOR of the two plaintexts.
        let errors = grid.dir.url.appendingPathComponent("put.stderr")
        let put = try await Self.startHeldPut(plain, name: "changed", on: hosts[0], onceHeldBy: hosts[4], errors: errors, grid)
        try Data((0..<(8 << 20)).map { _ in UInt8.random(in: 0...255) }).write(to: plain)
        let exit = try Self.unenroll(hosts[4])
        kill(put.processIdentifier, SIGCONT)
        put.waitUntilExit()
        #expect(exit.status == 0, "\(exit.stdout) \(exit.stderr)")
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        #expect(put.terminationStatus != 0 && stderr.contains("changed while it was put"), "\(put.terminationStatus): \(stderr)")
        #expect(try grid.client(["files", "ls", "--data-dir", hosts[0].path]).stdout.contains("no files stored"))
        // The put gave up, so what it stored is collected now, not when its orders expire.
        try await grid.waitUntil("every piece of the failed put collected", timeout: 30) { Self.pieceFiles(Array(hosts.prefix(4))).isEmpty }
    }

    @Test func aGetHeldWhileTwoHostsLeaveReadsThePiecesWhereTheyMoved() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-get-moved", hosts: 5)
        defer { grid.shutDown() }
        // 3+1 over five hosts: about three segments in ten have pieces on both hosts that leave, so the layout
        // the get started with finds only two of the three pieces they need.
        let (plain, content) = try Self.randomFile(grid, bytes: 1 << 20)
        let put = try grid.client(["files", "put", plain.path, "--name", "moved", "--redundancy", "3+1", "--segment-size", "64KiB",
                                   "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        let out = grid.dir.url.appendingPathComponent("moved.bin")
        let errors = grid.dir.url.appendingPathComponent("get.stderr")
        let get = try Self.startHeldGet("moved", out: out, on: hosts[0], errors: errors)
        #expect(get.isRunning && !FileManager.default.fileExists(atPath: out.path), "the get ended before the hosts left")
        for leaving in [hosts[3], hosts[4]] {
            let exit = try Self.unenroll(leaving)
            #expect(exit.status == 0, "\(exit.stdout) \(exit.stderr)")
        }
        kill(get.processIdentifier, SIGCONT)
        get.waitUntilExit()
        #expect(get.terminationStatus == 0, "the get failed after its hosts left: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        #expect(try Data(contentsOf: out) == content)
    }

    @Test func aStalledHostDoesNotHoldAReadUp() async throws {
        let (grid, hosts, clients) = try await Self.grid("storage-stalled", hosts: 3)
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: 256 << 10)
        let put = try grid.client(["files", "put", plain.path, "--name", "f", "--segment-size", "64KiB", "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")

        // Host 1 stops answering (SIGSTOP: connections open, nothing comes back). Each segment's read asks a
        // spare host once the first reads are slow, so the get ends long before a read of host 1 would time
        // out (60 s); `timeout 30` stops it otherwise.
        kill(clients[1].pid, SIGSTOP)
        defer { kill(clients[1].pid, SIGCONT) }
        let out = grid.dir.url.appendingPathComponent("f.bin")
        let get = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/timeout"),
                                        ["30", BuildProducts.executable("borg-client").path, "files", "get", "f", "--out", out.path,
                                         "--data-dir", hosts[0].path])
        #expect(get.status == 0, "the get waited on the stalled host: \(get.status) \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)
    }

    @Test func aHostDeletesOldPiecesNoFileOfTheGridPlacesThereAndKeepsTheRest() async throws {
        // Orders of 20 s: a piece the grid does not place on a host is deleted once it is 40 s old.
        let (grid, hosts, clients) = try await Self.grid("storage-inventory", hosts: 3, serverArguments: ["--storage-order-lifetime", "20"])
        defer { grid.shutDown() }
        let (plain, content) = try Self.randomFile(grid, bytes: 256 << 10)
        let put = try grid.client(["files", "put", plain.path, "--name", "kept", "--segment-size", "64KiB", "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        let kept = Self.pieceFiles(hosts).count

        // Pieces no file places on host 2 (as one an owner put back after it was collected would be): one stored
        // an hour ago, one just now (it could be a transfer the coordinator has not recorded yet). The file's
        // pieces there look an hour old too: only what the grid places there protects them.
        _ = clients[2].stop()
        for piece in Self.pieceFiles([hosts[2]]) {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3_600)], ofItemAtPath: piece.path)
        }
        let stray = hosts[2].appendingPathComponent("storage/pieces/\(ReadCap.newFileID())")
        try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)
        let (old, young) = (stray.appendingPathComponent("0.0"), stray.appendingPathComponent("0.1"))
        try Data(repeating: 7, count: 4096).write(to: old)
        try Data(repeating: 8, count: 4096).write(to: young)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3_600)], ofItemAtPath: old.path)
        _ = try grid.start(hosts[2], arguments: ["--inventory-interval", "1"])

        try await grid.waitUntil("the stray piece stored an hour ago deleted", timeout: 30) { !FileManager.default.fileExists(atPath: old.path) }
        #expect(Self.pieceFiles(hosts).count == kept + 1, "every piece of the stored file is kept")
        try await Task.sleep(for: .seconds(3))
        #expect(FileManager.default.fileExists(atPath: young.path), "a piece stored within the transfer window is kept")
        // Had the host deleted one of the file's pieces, audits would have found it missing (and repair put it back).
        #expect(try await Self.audits(of: "storer2", grid).failed == 0)
        let out = grid.dir.url.appendingPathComponent("kept.bin")
        let get = try grid.client(["files", "get", "kept", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(get.status == 0, "get failed: \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)
    }

    @Test func aPutCutOffByKillingTheClientListsNothingAndItsPiecesAreCollected() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-cut", hosts: 3, serverArguments: ["--storage-order-lifetime", "3"])
        defer { grid.shutDown() }
        let (plain, _) = try Self.randomFile(grid, bytes: 16 << 20)
        let put = try Self.startClient(["files", "put", plain.path, "--segment-size", "64KiB", "--data-dir", hosts[0].path])
        try await grid.waitUntil("the put stored some pieces", timeout: 60) { !Self.pieceFiles(hosts).isEmpty }
        kill(put.processIdentifier, SIGKILL)
        put.waitUntilExit()
        #expect(put.terminationReason == .uncaughtSignal, "the put was cut off, not finished")

        #expect(try grid.client(["files", "ls", "--data-dir", hosts[0].path]).stdout.contains("no files stored"))
        try await grid.waitUntil("every piece of the cut-off put collected", timeout: 60) { Self.pieceFiles(hosts).isEmpty }
        #expect(try await grid.admin.storageStatus().pieces == 0)
    }

    @Test func aPutShortOfTheSuccessThresholdFailsClearlyAndLeavesNoPiece() async throws {
        let (grid, hosts, clients) = try await Self.grid("storage-short", hosts: 3)
        defer { grid.shutDown() }
        let (plain, _) = try Self.randomFile(grid, bytes: 1 << 20)
        // 2+1 on three hosts: every piece must be stored (the success threshold is 3). One host dies just
        // before the put, while the coordinator still counts it online and places pieces on it.
        clients[2].stop(signal: SIGKILL)
        let put = try grid.client(["files", "put", plain.path, "--name", "short", "--segment-size", "64KiB", "--data-dir", hosts[0].path])
        #expect(put.status != 0, "the put succeeded without a third of its pieces")
        #expect(put.stderr.contains("of 3 pieces stored, 3 needed"), "\(put.stderr)")
        #expect(try grid.client(["files", "ls", "--data-dir", hosts[0].path]).stdout.contains("no files stored"))
        try await grid.waitUntil("every piece of the failed put collected", timeout: 60) { Self.pieceFiles(Array(hosts.prefix(2))).isEmpty }
        #expect(try await grid.admin.storageStatus().pieces == 0)
    }

    @Test func repairCompletesThoughTheLeadingCoordinatorIsKilledDuringIt() async throws {
        let (grid, hosts, clients) = try await Self.grid("storage-leader", hosts: 4, coordinators: 3)
        defer { grid.shutDown() }
        let coordinators = try #require(grid.coordinators)
        let (plain, content) = try Self.randomFile(grid, bytes: 2 << 20)
        let put = try grid.client(["files", "put", plain.path, "--name", "precious", "--redundancy", "2+1", "--segment-size", "16KiB",
                                   "--data-dir", hosts[0].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        let segments = 128

        // A storage host dies; once its pieces are due for repair, the leading coordinator dies too.
        clients[3].stop(signal: SIGKILL)
        try await grid.waitUntil("repair under way", timeout: 60) {
            grid.admin.learn(grid.urls)
            guard let status = try? await grid.admin.storageStatus() else { return false }
            return status.segmentsToRepair > 0 && status.segmentsToRepair < segments
        }
        let leader = try await coordinators.leader()
        coordinators.stop(leader, signal: SIGKILL)

        // The next leader finishes the repair; the file reads back whole.
        try await grid.waitUntil("every segment back to three pieces", timeout: 120) {
            grid.admin.learn(grid.urls)
            guard let status = try? await grid.admin.storageStatus() else { return false }
            return status.segmentsToRepair == 0 && status.pieces == segments * 3 && status.files == 1
        }
        let out = grid.dir.url.appendingPathComponent("precious.bin")
        let get = try grid.client(["files", "get", "precious", "--out", out.path, "--data-dir", hosts[0].path])
        #expect(get.status == 0, "get failed: \(get.stderr)")
        #expect(try Data(contentsOf: out) == content)
    }

    @Test func deletingAFileCollectsItsPiecesFromTheHosts() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-rm", hosts: 3)
        defer { grid.shutDown() }
        let (plain, _) = try Self.randomFile(grid, bytes: 300_000)
        let put = try grid.client(["files", "put", plain.path, "--name", "notes", "--data-dir", hosts[2].path])
        #expect(put.status == 0, "put failed: \(put.stderr)")
        #expect(Self.pieceFiles(hosts).count == 3, "2+1 on three hosts: one segment, three pieces")

        let listed = try grid.client(["files", "ls", "--data-dir", hosts[2].path])
        #expect(listed.stdout.contains("notes"), "\(listed.stdout)")
        #expect(listed.stdout.contains("2+1"))
        let space = try JSONDecoder().decode(StorageSpace.self, from: Data(
            try grid.client(["space", "--json", "--data-dir", hosts[2].path]).stdout.utf8))
        #expect(space.storageHosts == 3 && space.redundancy == "2+1")
        #expect(space.donorStoredBytes == 300_000 && space.files.count == 1)
        #expect(space.donorQuotaBytes == Int64(Double(64 << 20) / 1.5))
        // The operator's view judges hosts with the timings the server was given (the grid's: 4 s, 2 s).
        let operatorView = try CommandRunner.run(BuildProducts.executable("borg-server"),
                                                 ["storage", "status", "--storage-host-timeout", "4", "--storage-repair-grace", "2",
                                                  "--data-dir", grid.server.dataDirectory.path])
        #expect(operatorView.status == 0 && operatorView.stdout.contains("files: 1, pieces: 3"), "\(operatorView.stdout)")
        #expect(operatorView.stdout.contains("audits ok  failed  score  unanswered"), "\(operatorView.stdout)")
        let badTiming = try CommandRunner.run(BuildProducts.executable("borg-server"),
                                              ["storage", "status", "--storage-host-timeout", "0", "--data-dir", grid.server.dataDirectory.path])
        #expect(badTiming.status != 0 && badTiming.stderr.contains("--storage-host-timeout must be from 0 to 86400 seconds"), "\(badTiming.stderr)")

        // The admin lowers the donor's quota below what it stores: the next put is refused, saying why.
        let quota = try CommandRunner.run(BuildProducts.executable("borg-server"),
                                          ["storage", "quota", "storer2", "200KB", "--data-dir", grid.server.dataDirectory.path])
        #expect(quota.status == 0, "\(quota.stderr)")
        let refused = try grid.client(["files", "put", plain.path, "--name", "again", "--data-dir", hosts[2].path])
        #expect(refused.status != 0 && refused.stderr.contains("quota"), "\(refused.stderr)")
        #expect(try CommandRunner.run(BuildProducts.executable("borg-server"),
                                      ["storage", "quota", "nobody", "1GiB", "--data-dir", grid.server.dataDirectory.path]).status != 0)

        // A malformed read-cap, and a well-formed one of no file, each get a clear error.
        let out = grid.dir.url.appendingPathComponent("nothing")
        let malformed = try grid.client(["files", "get", "borg-read:nonsense", "--out", out.path, "--data-dir", hosts[2].path])
        #expect(malformed.status != 0 && malformed.stderr.contains("read-cap"), "\(malformed.stderr)")
        let unknown = ReadCap(fileID: ReadCap.newFileID(), key: FileKey.random())
        let missing = try grid.client(["files", "get", unknown.description, "--out", out.path, "--data-dir", hosts[2].path])
        #expect(missing.status != 0 && missing.stderr.contains("no file"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))

        // The machine that stored a file keeps its read-cap: unenroll refuses to delete the only key to it.
        let leave = try grid.client(["unenroll", "--data-dir", hosts[2].path])
        #expect(leave.status != 0 && leave.stderr.contains("read-caps of 1 stored file"), "\(leave.stderr)")
        #expect(FileManager.default.fileExists(atPath: hosts[2].appendingPathComponent("files/keyring.json").path))

        let removed = try grid.client(["files", "rm", "notes", "--data-dir", hosts[2].path])
        #expect(removed.status == 0, "rm failed: \(removed.stderr)")
        try await grid.waitUntil("every piece deleted from the hosts", timeout: 20) { Self.pieceFiles(hosts).isEmpty }
        #expect(try grid.client(["files", "ls", "--data-dir", hosts[2].path]).stdout.contains("no files stored"))
        let fetch = try grid.client(["files", "get", "notes", "--out", grid.dir.url.appendingPathComponent("x").path,
                                     "--data-dir", hosts[2].path])
        #expect(fetch.status != 0)
    }

    @Test func aFullGridRefusesPutsClearlyAndNoHostExceedsItsCap() async throws {
        let (grid, hosts, _) = try await Self.grid("storage-full", hosts: 3, capacity: "3MiB")
        defer { grid.shutDown() }
        // One donor may store far more than the grid holds, so that the hosts' room, not its quota, stops it.
        let quota = try CommandRunner.run(BuildProducts.executable("borg-server"),
                                          ["storage", "quota", "storer0", "1GiB", "--data-dir", grid.server.dataDirectory.path])
        #expect(quota.status == 0, "\(quota.stderr)")
        var refusal = "", stored = 0
        for index in 0..<12 {
            let (plain, _) = try Self.randomFile(grid, bytes: 1 << 20)
            let put = try grid.client(["files", "put", plain.path, "--name", "f\(index)", "--data-dir", hosts[0].path])
            if put.status != 0 {
                refusal = put.stderr
                break
            }
            stored += 1
        }
        #expect(refusal.contains("cannot place") && !refusal.contains("quota"), "expected the full grid's refusal, got: '\(refusal)'")
        // 9 MiB donated, a little over 1.5 MiB per file at 2+1 (each 512 KiB piece carries 8 more bytes, half the
        // segment's AES-GCM tag): five files fit, the sixth does not.
        #expect(stored == 5, "\(stored) files stored before the refusal")
        var total = 0
        for host in hosts {
            let used = Self.pieceFiles([host]).reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
            #expect(used <= 3 << 20, "\(host.lastPathComponent) holds \(used) bytes over its 3 MiB cap")
            total += used
        }
        #expect(total >= 7 << 20, "the grid was not full: \(total) bytes stored")
    }
}
