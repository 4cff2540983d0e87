import ArgumentParser
import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import BorgSandbox
import BorgStorage
import CISALBaseline
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `borg-bench storage`: storage donation measured three ways, each against a baseline from the same run.
///
/// 1. Erasure coding: `ErasureCoder` (Swift over ISA-L) against the same work written in C against ISA-L
///    (the `CISALBaseline` target), on the same bytes in the same process.
/// 2. `borg-client files put` and `files get` of a random file through a real coordinator and real storage
///    hosts on 127.0.0.1, against `dd` writing (fdatasync) and reading the expanded bytes on the same disk.
/// 3. Repair: one of the hosts SIGKILLed, timed until the coordinator reports every segment whole again.
struct StorageBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Erasure coding vs C, files put/get vs dd, and repair time after a killed storage host.")

    @Option(help: "Redundancy K+M for all three parts.")
    var redundancy = "4+2"

    @Option(help: "Bytes coded per round in the erasure-coding part.")
    var codingSize = "64MiB"

    @Option(help: "Segment size of the erasure-coding part and of files put.")
    var segmentSize = "1MiB"

    @Option(help: "Rounds of the erasure-coding part (the best of each side counts).")
    var rounds = 5

    @Option(help: "Size of the random file put and got.")
    var size = "256MiB"

    @Option(help: "Rounds of put, dd write, get and dd read; each ratio is taken within its round and the median counts (the disk's speed drifts).")
    var transferRounds = 3

    @Option(help: "Size of the file whose pieces are rebuilt after a host is killed (the issue asks about 1GiB).")
    var repairSize = "256MiB"

    @Option(help: "Storage hosts (each its own donor and `borg-client run`).")
    var hosts = 6

    @Option(help: ArgumentHelp(
        "Directory under which the grid's data, the file and dd's file go (one disk for all).",
        discussion: "Not /tmp by default: on this machine's journal-less ext4, /tmp's inode group is so full of recently deleted inodes (test runs) that each file created there costs ~0.5 ms of CPU, ten times what it costs elsewhere on the same disk; a donor's data directory is not in /tmp."))
    var scratch = "/var/tmp"

    @Flag(help: ArgumentHelp(
        "Before each read, drop the whole page cache (the programs too) instead of the files under the benchmark's directory.",
        discussion: "By default only the data is made cold: the pieces, the coordinator's database and dd's file. Dropping everything also makes borg-client's own 90 MB of code cold (0.07-0.4 s to load here) while dd's is a few pages."))
    var dropAllCaches = false

    @Flag(help: "Skip the erasure-coding part.")
    var skipCoding = false

    @Flag(help: "Skip the files put/get part.")
    var skipTransfer = false

    @Flag(help: "Skip the repair part.")
    var skipRepair = false

    /// The coordinator's storage settings (those of the storage scenario tests).
    static let hostTimeout = 4.0
    static let repairGrace = 2.0
    static let storageInterval = 0.5

    func validate() throws {
        let coding = try Redundancy(parsing: redundancy)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: scratch, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--scratch: '\(scratch)' is not a directory; give an existing one on the disk to measure")
        }
        for (flag, value) in [("--coding-size", codingSize), ("--segment-size", segmentSize), ("--size", size), ("--repair-size", repairSize)]
        where ByteCount.parse(value) == nil {
            throw ValidationError("\(flag): '\(value)' is not a size, e.g. 256MiB")
        }
        guard hosts >= coding.totalPieces, hosts <= 32 else {
            throw ValidationError("--hosts must be from \(coding.totalPieces) (one per piece at \(coding)) to 32, got \(hosts)")
        }
        guard (1...50).contains(rounds) else { throw ValidationError("--rounds must be 1 to 50, got \(rounds)") }
        guard (1...20).contains(transferRounds) else { throw ValidationError("--transfer-rounds must be 1 to 20, got \(transferRounds)") }
    }

    func run() async throws {
        LargeBuffers.configure()
        let coding = try Redundancy(parsing: redundancy)
        let segment = Int(ByteCount.parse(segmentSize)!)
        if !skipCoding { try codingBenchmark(coding, segment: segment, bytes: Int(ByteCount.parse(codingSize)!)) }
        let fileBytes = Int(ByteCount.parse(size)!), repairBytes = Int(ByteCount.parse(repairSize)!)
        guard !skipTransfer || !skipRepair else { return }
        // Every host may hold every file put (the putting donor's quota is its donation over the expansion).
        let capacity = Int((Double(max(skipTransfer ? 0 : fileBytes * transferRounds, skipRepair ? 0 : repairBytes)) * coding.expansion)) + (64 << 20)
        // ext4 without a journal (this VM's) checks each new inode against recently deleted ones it finds in the
        // buffer cache: the piece files of a run a few minutes before made every file creation cost up to 0.7 ms.
        print(Self.dropCaches() ? "page and buffer cache dropped before the grid starts (a previous run's deleted files would slow file creation)"
              : "page and buffer cache NOT dropped (/proc/sys/vm/drop_caches is not writable): a run soon after another pays for its deleted files")
        var grid = try await StorageGrid.start(hosts: hosts, capacity: capacity, in: URL(fileURLWithPath: scratch))
        defer { grid.stop() }
        var stored: (path: URL, name: String)?
        if !skipTransfer {
            stored = try await transferBenchmark(grid, coding, bytes: fileBytes, segmentSize: segmentSize)
        }
        if !skipRepair {
            // The repair is timed on a grid holding the repair file alone.
            if stored == nil || repairBytes != fileBytes || transferRounds > 1 {
                if stored != nil {
                    grid.stop()
                    grid = try await StorageGrid.start(hosts: hosts, capacity: capacity, in: URL(fileURLWithPath: scratch))
                }
                let file = try StorageGrid.randomFile(in: grid.directory.url, bytes: repairBytes)
                let put = try grid.put(file, name: "repair.bin", redundancy: coding, segmentSize: segmentSize)
                guard put.result.status == 0 else { throw HarnessError("files put of the repair file failed: \(put.result.stderr)") }
                print(String(format: "repair file: %@ put in %.1f s", ByteCount.format(UInt64(repairBytes)), put.seconds))
                stored = (file, "repair.bin")
            }
            try await repairBenchmark(grid, coding, file: stored!, bytes: repairBytes, segment: segment)
        }
    }

    // MARK: - Erasure coding, Swift vs C

    func codingBenchmark(_ coding: Redundancy, segment: Int, bytes: Int) throws {
        let k = coding.dataPieces, m = coding.parityPieces
        let count = max(1, bytes / segment)
        let total = count * segment
        var generator = SplitMix64(seed: 0x5eed)
        let data = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            for i in stride(from: 0, to: total, by: 8) {
                let word = generator.next()
                for j in 0..<min(8, total - i) { buffer[i + j] = UInt8(truncatingIfNeeded: word >> (8 * j)) }
            }
            initialized = total
        }
        let segments = (0..<count).map { Array(data[($0 * segment)..<(($0 + 1) * segment)]) }
        let coder = ErasureCoder(coding)
        let lost = min(2, m, k)
        // Decoding's input: every segment's pieces without the first `lost` data pieces (coded once, not timed).
        let withoutLost: [[Int: [UInt8]]] = segments.map { segment in
            let pieces = coder.encode(segment)
            return Dictionary(uniqueKeysWithValues: (lost..<coding.totalPieces).map { ($0, pieces[$0]) })
        }
        var best = (swiftEncode: Double.infinity, cEncode: Double.infinity, cCopying: Double.infinity,
                    swiftDecode: Double.infinity, cDecode: Double.infinity, swiftInPlace: Double.infinity)
        var sink: UInt8 = 0
        for _ in 0..<rounds {
            let c = data.withUnsafeBufferPointer { cisal_encode_seconds($0.baseAddress, segment, count, Int32(k), Int32(m)) }
            let copying = data.withUnsafeBufferPointer { cisal_encode_copying_seconds($0.baseAddress, segment, count, Int32(k), Int32(m)) }
            let cDecode = data.withUnsafeBufferPointer { cisal_decode_seconds($0.baseAddress, segment, count, Int32(k), Int32(m)) }
            guard c >= 0, copying >= 0, cDecode >= 0 else { throw HarnessError("the C baseline failed (out of memory, or decoded wrong bytes)") }
            let start = ContinuousClock.now
            for segment in segments {
                let pieces = coder.encode(segment)
                sink ^= pieces[k][0]
            }
            let swift = LifecycleBenchmark.seconds(ContinuousClock.now - start)
            let inPlaceStart = ContinuousClock.now
            for segment in segments {
                let pieces = coder.pieces(of: segment)
                sink ^= pieces[k].first ?? 0
            }
            let swiftInPlace = LifecycleBenchmark.seconds(ContinuousClock.now - inPlaceStart)
            var swiftDecode = 0.0
            for (index, pieces) in withoutLost.enumerated() {
                let start = ContinuousClock.now
                let decoded = try coder.decode(pieces, segmentLength: segment)
                swiftDecode += LifecycleBenchmark.seconds(ContinuousClock.now - start)
                guard decoded == segments[index] else { throw HarnessError("ErasureCoder.decode gave wrong bytes for segment \(index)") }
            }
            best = (min(best.swiftEncode, swift), min(best.cEncode, c), min(best.cCopying, copying),
                    min(best.swiftDecode, swiftDecode), min(best.cDecode, cDecode), min(best.swiftInPlace, swiftInPlace))
        }
        func rate(_ seconds: Double) -> String { String(format: "%.0f MB/s", Double(total) / seconds / 1e6) }
        print("erasure coding at \(coding): \(ByteCount.format(UInt64(total))) in \(ByteCount.format(UInt64(segment))) segments, best of \(rounds) rounds (MB = 10^6 bytes of segment data)")
        blackHole(sink)
        let encodeRatio = best.cEncode / best.swiftInPlace
        print(String(format: "encode: Swift ErasureCoder.pieces(of:) (what files put uses: data pieces as slices of the segment, m parity pieces) %@; baseline C against ISA-L (data pieces pointed into the segment, m parity buffers) %@; ratio C time / Swift time %.2f× (target ≥ 0.8×: %@)",
                     rate(best.swiftInPlace), rate(best.cEncode), encodeRatio, encodeRatio >= 0.8 ? "met" : "missed"))
        print(String(format: "encode into n owned arrays: Swift ErasureCoder.encode %@; ratio C time / Swift time %.2f×",
                     rate(best.swiftEncode), best.cEncode / best.swiftEncode))
        print(String(format: "encode, C copying the data into n fresh pieces as ErasureCoder.encode does: %@; ratio C time / Swift time %.2f×",
                     rate(best.cCopying), best.cCopying / best.swiftEncode))
        let decodeRatio = best.cDecode / best.swiftDecode
        print(String(format: "decode without %d data pieces: Swift ErasureCoder.decode %@; baseline C %@; ratio C time / Swift time %.2f× (target ≥ 0.8×: %@)",
                     lost, rate(best.swiftDecode), rate(best.cDecode), decodeRatio, decodeRatio >= 0.8 ? "met" : "missed"))
    }

    // MARK: - files put / get vs dd

    /// Puts and gets a random file, in rounds that each also time `dd` writing and reading the expanded bytes;
    /// returns the file of the first round (still stored on the grid) for the repair part.
    func transferBenchmark(_ grid: StorageGrid, _ coding: Redundancy, bytes: Int, segmentSize: String) async throws -> (path: URL, name: String) {
        let directory = grid.directory.url
        let file = try StorageGrid.randomFile(in: directory, bytes: bytes)
        let expandedMiB = Int((Double(bytes) * coding.expansion / 1_048_576).rounded(.up))
        print("files put / get: \(ByteCount.format(UInt64(bytes))) of random bytes at \(coding) on \(hosts) storage hosts, \(transferRounds) rounds; baseline dd of \(expandedMiB) MiB (the size × \(String(format: "%.2f", coding.expansion))) on the same disk in each round")
        var rounds: [TransferRound] = []
        for round in 1...transferRounds {
            rounds.append(try transferRound(round, grid, coding, file: file, bytes: bytes, expandedMiB: expandedMiB, segmentSize: segmentSize))
        }
        let expanded = Double(expandedMiB) * 1_048_576
        for (what, target, seconds, baseline) in [
            ("put", 0.5, rounds.map(\.put), rounds.map(\.ddWrite)), ("get", 0.7, rounds.map(\.get), rounds.map(\.ddRead)),
        ] {
            let ratios = zip(baseline, seconds).map { $0 / $1 }
            let ratio = median(ratios)
            print(String(format: "%@ over %d rounds: median %.2f s = %.1f MB/s of plaintext (dd median %.2f s = %.1f MB/s); ratio dd time / %@ time per round %@, median %.2f× (target ≥ %.1f×: %@)",
                         what, rounds.count, median(seconds), Double(bytes) / median(seconds) / 1e6, median(baseline),
                         expanded / median(baseline) / 1e6, what, ratios.map { String(format: "%.2f", $0) }.joined(separator: ", "),
                         ratio, target, ratio >= target ? "met" : "missed"))
        }
        try printGetFloor(coding, bytes: bytes, segmentSize: segmentSize, ddRead: median(rounds.map(\.ddRead)),
                          ddReadCPU: median(rounds.map(\.ddReadCPU)), in: directory)
        return (file, Self.benchName(1))
    }

    /// The shortest a get could take on this machine doing only what it must (``GetFloor``), against dd.
    func printGetFloor(_ coding: Redundancy, bytes: Int, segmentSize: String, ddRead: Double, ddReadCPU: Double, in directory: URL) throws {
        let floor = try GetFloor.measure(bytes: bytes, segment: Int(ByteCount.parse(segmentSize)!), in: directory)
        // The hosts read k of every n pieces of what dd reads: that much of dd's time and of its CPU.
        let share = Double(coding.dataPieces) / Double(coding.totalPieces)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let cpu = floor.decrypt + floor.loopback + floor.write + ddReadCPU * share
        let best = max(ddRead * share, cpu / Double(cores))
        print(String(format: "get's floor, each part alone on the same bytes: AES-GCM open %.2f CPU-s + loopback TCP %.2f + writing the file %.2f + the hosts reading %d/%d of dd's bytes %.2f = %.2f CPU-s; spread perfectly over %d cores, and no shorter than that share of dd's read (%.2f s): %.2f s, so at best %.2f× of dd (median read %.2f s) with no HTTP, scheduling or bookkeeping at all",
                     floor.decrypt, floor.loopback, floor.write, coding.dataPieces, coding.totalPieces, ddReadCPU * share, cpu, cores,
                     ddRead * share, best, ddRead / best, ddRead))
    }

    /// The times of one round.
    struct TransferRound {
        var put: Double
        var ddWrite: Double
        var get: Double
        var ddRead: Double
        /// dd's CPU seconds (user and system) for the read.
        var ddReadCPU: Double
    }

    /// One round: the file put (under a name of its own), `dd` writing the expanded bytes, the file got with the
    /// page cache dropped first and compared, `dd` reading its file back likewise.
    func transferRound(_ round: Int, _ grid: StorageGrid, _ coding: Redundancy, file: URL, bytes: Int, expandedMiB: Int,
                       segmentSize: String) throws -> TransferRound {
        let directory = grid.directory.url
        let expanded = Double(expandedMiB) * 1_048_576
        let name = Self.benchName(round)
        sync()
        let put = try grid.put(file, name: name, redundancy: coding, segmentSize: segmentSize)
        guard put.result.status == 0 else { throw HarnessError("files put failed: \(put.result.stderr)") }
        print(String(format: "round %d put: %.2f s = %.1f MB/s of plaintext; CPU: files put %.2f s (user %.2f, system %.2f), the %d storage hosts %.2f s, coordinator %.2f s (of %.2f s on 2 cores)",
                     round, put.seconds, Double(bytes) / put.seconds / 1e6, put.client.total, put.client.user,
                     put.client.system, hosts, put.hostsCPU, put.coordinatorCPU, 2 * put.seconds))

        let target = directory.appendingPathComponent("dd-baseline.bin")
        let ddWrite = try Self.timed { try Self.dd(["if=/dev/zero", "of=\(target.path)", "bs=1M", "count=\(expandedMiB)", "conv=fdatasync"]) }
        print(String(format: "round %d baseline: dd if=/dev/zero bs=1M count=%d conv=fdatasync: %.2f s = %.1f MB/s written; ratio %.2f×",
                     round, expandedMiB, ddWrite, expanded / ddWrite / 1e6, ddWrite / put.seconds))

        let out = directory.appendingPathComponent("fetched.bin")
        let cold = makeCold(directory)
        let get = try grid.get(name, to: out)
        guard get.result.status == 0 else { throw HarnessError("files get failed: \(get.result.stderr)") }
        guard try Self.sameBytes(file, out) else { throw HarnessError("files get wrote other bytes than were put") }
        print(String(format: "round %d get (%@): %.2f s = %.1f MB/s of plaintext, bytes match; CPU: files get %.2f s (user %.2f, system %.2f), the %d storage hosts %.2f s, coordinator %.2f s",
                     round, cold,
                     get.seconds, Double(bytes) / get.seconds / 1e6, get.client.total, get.client.user, get.client.system,
                     hosts, get.hostsCPU, get.coordinatorCPU))
        try? FileManager.default.removeItem(at: out)

        let coldRead = makeCold(directory)
        let before = CPUTimes.ofChildren()
        let ddRead = try Self.timed { try Self.dd(["if=\(target.path)", "of=/dev/null", "bs=1M"]) }
        let ddReadCPU = (CPUTimes.ofChildren() - before).total
        print(String(format: "round %d baseline: dd of=/dev/null bs=1M (%@): %.2f s = %.1f MB/s read (CPU %.2f s); ratio %.2f×",
                     round, coldRead, ddRead, expanded / ddRead / 1e6, ddReadCPU, ddRead / get.seconds))
        try? FileManager.default.removeItem(at: target)
        return TransferRound(put: put.seconds, ddWrite: ddWrite, get: get.seconds, ddRead: ddRead, ddReadCPU: ddReadCPU)
    }

    /// The name the file of round `round` is stored under.
    static func benchName(_ round: Int) -> String { "bench-\(round).bin" }

    // MARK: - Repair

    func repairBenchmark(_ grid: StorageGrid, _ coding: Redundancy, file: (path: URL, name: String), bytes: Int, segment: Int) async throws {
        let segments = (bytes + segment - 1) / segment
        let whole = segments * coding.totalPieces
        // Start from a whole file: a put may leave a slow host's piece for repair to place.
        let settled = try await grid.waitUntil("every segment of the file has \(coding.totalPieces) pieces", timeout: 300) { status in
            status.segmentsToRepair == 0 && status.pieces >= whole && status.hosts.filter(\.online).count == hosts
        }
        guard settled != nil else { throw HarnessError("the grid never held the whole file before the kill") }
        let victim = hosts - 1
        let before = try await grid.admin.storageStatus()
        guard let seen = before.hosts.first(where: { $0.name == "storer\(victim)" }) else { throw HarnessError("storer\(victim) is not a storage host") }
        let coordinatorCPU = ResourceUsage.process(grid.server.pid)?.cpuSeconds ?? 0
        let hostsCPU = grid.hostsCPU()
        grid.clients[victim].stop(signal: SIGKILL)
        let killedAt = Date().timeIntervalSince1970
        let start = ContinuousClock.now
        var offlineAfter: Double?
        let done = try await grid.waitUntil("\(hosts - 1) hosts online and no segment to repair", timeout: max(600, Double(segments) * 2)) { status in
            let online = status.hosts.filter(\.online).count
            if online == hosts - 1, offlineAfter == nil { offlineAfter = LifecycleBenchmark.seconds(ContinuousClock.now - start) }
            return online == hosts - 1 && status.segmentsToRepair == 0
        }
        guard let done else { throw HarnessError("repair did not finish; see \(grid.server.logFile.path)") }
        let total = LifecycleBenchmark.seconds(ContinuousClock.now - start)
        let repairCPU = (ResourceUsage.process(grid.server.pid)?.cpuSeconds ?? 0) - coordinatorCPU
        let hostsRepairCPU = grid.hostsCPU() - hostsCPU
        // Repair starts once the host is offline (last offer older than the host timeout) and silent past the grace,
        // both counted from its last offer, then at the next storage pass.
        let rebuilt = Double(seen.pieces) * Double(ErasureCoder(coding).pieceSize(forSegmentOf: segment + SegmentCipher.overhead))
        let detection = seen.seenAt + max(Self.hostTimeout, Self.repairGrace) - killedAt
        print("repair: \(ByteCount.format(UInt64(bytes))) file, \(segments) segments at \(coding); storer\(victim) (\(seen.pieces) pieces) SIGKILLed; coordinator --storage-host-timeout \(Self.hostTimeout) --storage-repair-grace \(Self.repairGrace) --storage-interval \(Self.storageInterval)")
        print(String(format: "repair: %.2f s from the kill until %d hosts online and 0 segments to repair (%d pieces); the host showed offline after %.2f s",
                     total, hosts - 1, done.pieces, offlineAfter ?? .nan))
        print(String(format: "repair: detection delay %.2f s (its last offer %.2f s before the kill + max(host timeout, grace) %.1f s; the configured timeout + grace is %.1f s), rebuild %.2f s = %.1f MB/s of pieces rebuilt (%.0f MB); CPU in that time: coordinator %.2f s, storage hosts %.2f s",
                     detection, killedAt - seen.seenAt, max(Self.hostTimeout, Self.repairGrace), Self.hostTimeout + Self.repairGrace,
                     total - detection, rebuilt / (total - detection) / 1e6, rebuilt / 1e6, repairCPU, hostsRepairCPU))
        let out = grid.directory.url.appendingPathComponent("after-repair.bin")
        let get = try grid.get(file.name, to: out)
        guard get.result.status == 0, try Self.sameBytes(file.path, out) else {
            throw HarnessError("the file does not read back after the repair: \(get.result.stderr)")
        }
        print(String(format: "after the repair the file reads back from the %d hosts left, bytes match (%.2f s)", hosts - 1, get.seconds))
        try? FileManager.default.removeItem(at: out)
    }

    // MARK: - Helpers

    /// Keeps a value alive so that the work producing it is not optimized away.
    @inline(never) func blackHole(_ value: UInt8) { _ = value }

    static func timed(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return LifecycleBenchmark.seconds(ContinuousClock.now - start)
    }

    static func dd(_ arguments: [String]) throws {
        let result = try CommandRunner.run(URL(fileURLWithPath: "/bin/dd"), arguments + ["status=none"])
        guard result.status == 0 else { throw HarnessError("dd \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
    }

    /// Makes what the next read reads come from the disk; says how, for the report.
    func makeCold(_ directory: URL) -> String {
        if dropAllCaches {
            return Self.dropCaches() ? "whole page cache dropped first"
                : "page cache NOT dropped: /proc/sys/vm/drop_caches is not writable, the data may be read from memory"
        }
        let (files, failed) = Self.evictFiles(under: directory)
        return failed == 0 ? "page cache of the \(files) files under the benchmark's directory dropped first"
            : "page cache of \(failed) of the \(files) files under the benchmark's directory NOT dropped"
    }

    /// Flushes dirty pages and drops the page cache of every regular file under `directory`
    /// (`posix_fadvise(POSIX_FADV_DONTNEED)`): the files seen, and those whose pages could not be dropped.
    static func evictFiles(under directory: URL) -> (files: Int, failed: Int) {
        sync()
        var files = 0, failed = 0
        let walk = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = walk?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            files += 1
            let fd = open(url.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                failed += 1
                continue
            }
            if posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0 { failed += 1 }
            close(fd)
        }
        return (files, failed)
    }

    /// Flushes dirty pages and drops the page cache (`echo 3 > /proc/sys/vm/drop_caches`); false if not allowed.
    static func dropCaches() -> Bool {
        sync()
        let fd = open("/proc/sys/vm/drop_caches", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "3\n", 2) == 2
    }

    static func sameBytes(_ a: URL, _ b: URL) throws -> Bool {
        let left = try FileHandle(forReadingFrom: a), right = try FileHandle(forReadingFrom: b)
        defer {
            try? left.close()
            try? right.close()
        }
        while true {
            let x = try left.read(upToCount: 16 << 20) ?? Data(), y = try right.read(upToCount: 16 << 20) ?? Data()
            guard x == y else { return false }
            if x.isEmpty { return true }
        }
    }
}

/// A coordinator and storage hosts (each its own donor, enrolled with `--storage`) on 127.0.0.1.
struct StorageGrid {
    let directory: TemporaryDirectory
    let server: ServerProcess
    let admin: CoordinatorClient
    let clients: [ClientProcess]
    let data: [URL]

    static func start(hosts: Int, capacity: Int, in parent: URL) async throws -> StorageGrid {
        let directory = try TemporaryDirectory(prefix: "borg-bench-storage", in: parent)
        var server: ServerProcess?
        var clients: [ClientProcess] = []
        do {
            let started = try ServerProcess(
                dataDirectory: directory.url.appendingPathComponent("coordinator"),
                arguments: ["--tick", "0.5", "--storage-host-timeout", String(StorageBenchmark.hostTimeout),
                            "--storage-interval", String(StorageBenchmark.storageInterval),
                            "--storage-repair-grace", String(StorageBenchmark.repairGrace)])
            server = started
            let admin = CoordinatorClient(coordinators: [started.url], credential: try started.adminKey)
            var data: [URL] = []
            for index in 0..<hosts {
                let name = "storer\(index)"
                let token = try await admin.createDonor(name: name).enrollmentToken
                let url = directory.url.appendingPathComponent("donor-\(name)")
                let enrolled = try CommandRunner.run(BuildProducts.executable("borg-client"), [
                    "enroll", started.url, "--token", token, "--name", name, "--data-dir", url.path,
                    "--storage", "\(capacity)B", "--storage-listen", "127.0.0.1:0",
                ])
                guard enrolled.status == 0 else { throw HarnessError("enroll \(name) failed: \(enrolled.stderr)") }
                data.append(url)
                clients.append(try ClientProcess(dataDirectory: url, arguments: ["--heartbeat", "2", "--max-backoff", "2"]))
            }
            let grid = StorageGrid(directory: directory, server: started, admin: admin, clients: clients, data: data)
            guard try await grid.waitUntil("\(hosts) storage hosts online", timeout: 60, { $0.hosts.filter(\.online).count == hosts }) != nil
            else {
                throw HarnessError("\(hosts) storage hosts did not come online within 60 s; the first host's log ends: \(clients[0].log.suffix(1000))")
            }
            return grid
        } catch {
            for client in clients { client.stop(signal: SIGKILL) }
            server?.stop()
            directory.remove()
            throw error
        }
    }

    /// Stops every process it started, by PID, and removes its files (safe to call twice).
    func stop() {
        for client in clients { client.stop(signal: SIGKILL) }
        server.stop()
        directory.remove()
    }

    /// CPU seconds of the storage hosts still running.
    func hostsCPU() -> Double {
        clients.compactMap { ResourceUsage.process($0.pid)?.cpuSeconds }.reduce(0, +)
    }

    /// What a `borg-client files` run cost.
    struct Run {
        var result: CommandResult
        var seconds: Double
        /// CPU of the `borg-client files` process, from getrusage(RUSAGE_CHILDREN).
        var client: CPUTimes
        var hostsCPU: Double
        var coordinatorCPU: Double
    }

    func put(_ file: URL, name: String, redundancy: Redundancy, segmentSize: String) throws -> Run {
        try files(["put", file.path, "--name", name, "--redundancy", redundancy.description, "--segment-size", segmentSize,
                   "--data-dir", data[0].path])
    }

    func get(_ name: String, to out: URL) throws -> Run {
        try files(["get", name, "--out", out.path, "--data-dir", data[0].path])
    }

    private func files(_ arguments: [String]) throws -> Run {
        let children = CPUTimes.ofChildren()
        let hosts = hostsCPU()
        let coordinator = ResourceUsage.process(server.pid)?.cpuSeconds ?? 0
        let start = ContinuousClock.now
        let result = try CommandRunner.run(BuildProducts.executable("borg-client"), ["files"] + arguments)
        let seconds = LifecycleBenchmark.seconds(ContinuousClock.now - start)
        return Run(result: result, seconds: seconds, client: CPUTimes.ofChildren() - children,
                   hostsCPU: hostsCPU() - hosts, coordinatorCPU: (ResourceUsage.process(server.pid)?.cpuSeconds ?? 0) - coordinator)
    }

    /// Polls the storage status every 100 ms until `condition` holds; the status then, or nil after `timeout` s.
    func waitUntil(_ what: String, timeout: Double, _ condition: (StorageStatus) -> Bool) async throws -> StorageStatus? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if let status = try? await admin.storageStatus(), condition(status) { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        print("timed out after \(timeout) s waiting until \(what)")
        return nil
    }

    /// A file of `bytes` random bytes (from /dev/urandom), flushed to the disk.
    static func randomFile(in directory: URL, bytes: Int) throws -> URL {
        let url = directory.appendingPathComponent("plain-\(UUID().uuidString.prefix(6)).bin")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let out = try FileHandle(forWritingTo: url)
        defer { try? out.close() }
        guard let random = FileHandle(forReadingAtPath: "/dev/urandom") else { throw HarnessError("cannot open /dev/urandom") }
        defer { try? random.close() }
        var left = bytes
        while left > 0 {
            let chunk = try random.read(upToCount: min(left, 16 << 20)) ?? Data()
            guard !chunk.isEmpty else { throw HarnessError("/dev/urandom gave nothing") }
            try out.write(contentsOf: chunk)
            left -= chunk.count
        }
        try out.synchronize()
        return url
    }
}

/// A fast deterministic generator for the coding part's bytes (their values do not matter to ISA-L).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
