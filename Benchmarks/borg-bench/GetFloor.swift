import BorgHarness
import BorgStorage
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The CPU a `files get` cannot avoid on this machine, each part measured alone on as many bytes as the get
/// moves: decrypting every segment (``SegmentCipher/open(_:segment:of:fileID:key:)``), moving the bytes over
/// loopback TCP (sender and receiver, 1 MiB writes and reads), and writing the plaintext to a new file.
/// Their sum, with the hosts reading the pieces, spread over every core is the shortest a get could take
/// if it did nothing else: no HTTP, no scheduling, no bookkeeping.
struct GetFloor {
    /// CPU seconds of each part.
    var decrypt: Double
    var loopback: Double
    var write: Double

    /// Measures the three parts for a file of `bytes` in segments of `segment` bytes, writing under `directory`.
    static func measure(bytes: Int, segment: Int, in directory: URL) throws -> GetFloor {
        let segments = max(1, (bytes + segment - 1) / segment)
        let key = FileKey.random(), fileID = "floor"
        var generator = SystemRandomNumberGenerator()
        let plain = (0..<segment).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let sealed = (0..<segments).map { SegmentCipher.seal(plain, segment: $0, of: segments, fileID: fileID, key: key) }
        let out = directory.appendingPathComponent("floor-output.bin")
        let fd = open(out.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HarnessError("cannot write \(out.path): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(out.path)
        }
        var decrypt = Duration.zero, write = Duration.zero
        for (index, box) in sealed.enumerated() {
            let start = ContinuousClock.now
            let opened = try SegmentCipher.open(box, segment: index, of: segments, fileID: fileID, key: key)
            let decrypted = ContinuousClock.now
            let written = opened.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(index * segment)) }
            guard written == opened.count else { throw HarnessError("cannot write \(out.path): \(String(cString: strerror(errno)))") }
            decrypt += decrypted - start
            write += ContinuousClock.now - decrypted
        }
        return GetFloor(decrypt: LifecycleBenchmark.seconds(decrypt), loopback: try loopbackCPU(bytes: segments * segment),
                        write: LifecycleBenchmark.seconds(write))
    }

    /// CPU seconds (this process, user and system) of sending `bytes` from one thread to another over TCP on 127.0.0.1.
    static func loopbackCPU(bytes: Int) throws -> Double {
        let listener = try check("socket", socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0))
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                _ = try check("bind", bind(listener, generic, length))
                _ = try check("listen", listen(listener, 1))
                _ = try check("getsockname", getsockname(listener, generic, &length))
                let sender = try check("socket", socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0))
                guard connect(sender, generic, length) == 0 else {
                    close(sender)
                    throw HarnessError("connect to the loopback listener: \(String(cString: strerror(errno)))")
                }
                startSending(bytes, on: sender)
            }
        }
        let receiver = try check("accept", accept(listener, nil, nil))
        defer { close(receiver) }
        let before = CPUTimes.ofThisProcess()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var received = 0
        while received < bytes {
            let n = buffer.withUnsafeMutableBytes { read(receiver, $0.baseAddress, $0.count) }
            guard n > 0 else { throw HarnessError("loopback read stopped after \(received) of \(bytes) bytes") }
            received += n
        }
        return (CPUTimes.ofThisProcess() - before).total
    }

    /// `result` unless it is negative (a failed system call named `call`).
    private static func check(_ call: String, _ result: Int32) throws -> Int32 {
        guard result >= 0 else { throw HarnessError("\(call): \(String(cString: strerror(errno)))") }
        return result
    }

    /// Writes `bytes` to `descriptor` from a new thread in 1 MiB writes, then closes it.
    private static func startSending(_ bytes: Int, on descriptor: Int32) {
        Thread {
            let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
            var sent = 0
            while sent < bytes {
                let n = chunk.withUnsafeBytes { send(descriptor, $0.baseAddress, min($0.count, bytes - sent), 0) }
                guard n > 0 else { break }
                sent += n
            }
            close(descriptor)
        }.start()
    }
}
