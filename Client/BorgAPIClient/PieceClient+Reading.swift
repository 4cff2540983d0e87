import BorgCore
import Crypto
import Foundation

/// A piece to read: its name, the host that has it, the order to present there and the digest it must have.
public struct PieceLocation: Sendable, Equatable {
    public let index: Int
    public let piece: String
    public let url: String
    public let order: String
    public let sha256: String

    public init(index: Int, piece: String, url: String, order: String, sha256: String) {
        self.index = index
        self.piece = piece
        self.url = url
        self.order = order
        self.sha256 = sha256
    }

    /// Whether `bytes` have this piece's digest.
    public func matches(_ bytes: [UInt8]) -> Bool {
        HexEncoding.string(SHA256.hash(data: bytes)) == sha256
    }
}

extension PieceClient {
    /// What reading one piece gave.
    private enum Read: Sendable {
        case piece(index: Int, bytes: [UInt8]?, failure: String?, damaged: Bool = false)
        /// The reads under way are slow: ask one more host.
        case slow
    }

    /// `count` pieces of `size` bytes from the fastest of `locations` (listed in order of preference), each
    /// checked against its digest unless `verifying` is false (a reader whose segment authenticates as a whole
    /// checks the digests only when it does not): `count` are read at once, one that fails or does not match
    /// is replaced by the next, and if the reads take longer than `hedgeAfter` one spare is asked too, so a
    /// slow host holds nothing up. Fewer pieces when not enough can be read, with why each failed, the
    /// indices of those that failed, and of those whose bytes did not match their digest.
    public func read(_ count: Int, of locations: [PieceLocation], size: Int, verifying: Bool = true,
                     hedgeAfter: Duration = .milliseconds(500))
        async -> (pieces: [Int: [UInt8]], failures: [String], failed: Set<Int>, damaged: Set<Int>)
    {
        var waiting = locations[...]
        var good: [Int: [UInt8]] = [:]
        var failures: [String] = []
        var failed: Set<Int> = []
        var damaged: Set<Int> = []
        await withTaskGroup(of: Read.self) { group in
            var inFlight = 0
            func launch() {
                guard let location = waiting.popFirst() else { return }
                inFlight += 1
                group.addTask { await checked(location, size: size, verifying: verifying) }
            }
            for _ in 0..<count { launch() }
            group.addTask {
                try? await Task.sleep(for: hedgeAfter)
                return .slow
            }
            for await outcome in group {
                switch outcome {
                case .slow:
                    launch()
                case .piece(let index, let bytes, let failure, let isDamaged):
                    inFlight -= 1
                    if let bytes { good[index] = bytes }
                    if isDamaged { damaged.insert(index) }
                    if let failure {
                        failures.append(failure)
                        failed.insert(index)
                        launch()
                    }
                }
                if good.count >= count || inFlight == 0 {
                    group.cancelAll()
                    break
                }
            }
        }
        return (good, failures, failed, damaged)
    }

    /// One piece, checked against its size and, when `verifying`, its digest.
    private func checked(_ location: PieceLocation, size: Int, verifying: Bool) async -> Read {
        do {
            let bytes = try await get(piece: location.piece, order: location.order, at: location.url, limit: size + 1)
            guard bytes.count == size else {
                return .piece(index: location.index, bytes: nil, failure: "piece \(location.piece) on \(location.url) has \(bytes.count) bytes, not \(size)")
            }
            guard !verifying || location.matches(bytes) else {
                return .piece(index: location.index, bytes: nil, failure: "piece \(location.piece) on \(location.url) does not match its digest",
                              damaged: true)
            }
            return .piece(index: location.index, bytes: bytes, failure: nil)
        } catch {
            return .piece(index: location.index, bytes: nil, failure: "\(error)")
        }
    }
}
