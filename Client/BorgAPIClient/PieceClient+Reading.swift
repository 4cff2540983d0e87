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
}

extension PieceClient {
    /// What reading one piece gave.
    private enum Read: Sendable {
        case piece(index: Int, bytes: [UInt8]?, failure: String?)
        /// The reads under way are slow: ask one more host.
        case slow
    }

    /// `count` pieces of `size` bytes, each checked against its digest, from the fastest of `locations`
    /// (listed in order of preference): `count` are read at once, one that fails or does not match is
    /// replaced by the next, and if the reads take longer than `hedgeAfter` one spare is asked too, so a slow
    /// host holds nothing up. Fewer pieces when not enough can be read, with why each failed.
    public func read(_ count: Int, of locations: [PieceLocation], size: Int, hedgeAfter: Duration = .milliseconds(500))
        async -> (pieces: [Int: [UInt8]], failures: [String])
    {
        var waiting = locations[...]
        var good: [Int: [UInt8]] = [:]
        var failures: [String] = []
        await withTaskGroup(of: Read.self) { group in
            var inFlight = 0
            func launch() {
                guard let location = waiting.popFirst() else { return }
                inFlight += 1
                group.addTask { await checked(location, size: size) }
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
                case .piece(let index, let bytes, let failure):
                    inFlight -= 1
                    if let bytes { good[index] = bytes }
                    if let failure {
                        failures.append(failure)
                        launch()
                    }
                }
                if good.count >= count || inFlight == 0 {
                    group.cancelAll()
                    break
                }
            }
        }
        return (good, failures)
    }

    /// One piece, checked against its digest and size.
    private func checked(_ location: PieceLocation, size: Int) async -> Read {
        do {
            let bytes = try await get(piece: location.piece, order: location.order, at: location.url, limit: size + 1)
            guard bytes.count == size, HexEncoding.string(SHA256.hash(data: bytes)) == location.sha256 else {
                return .piece(index: location.index, bytes: nil, failure: "piece \(location.piece) on \(location.url) does not match its digest")
            }
            return .piece(index: location.index, bytes: bytes, failure: nil)
        } catch {
            return .piece(index: location.index, bytes: nil, failure: "\(error)")
        }
    }
}
