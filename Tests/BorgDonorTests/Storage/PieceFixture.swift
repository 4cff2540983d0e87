import BorgDonor
import BorgProtocol
import BorgStorage
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A piece store in a temporary directory, served by a ``PieceServer`` as host 7 with a locally made
/// coordinator key, at a fixed time unless told otherwise; helpers to make pieces, orders and requests.
struct PieceFixture: Sendable {
    /// Seconds since 1970 on the server's clock.
    static let now = 1_800_000_000.0
    /// The host the server is.
    static let host: Int64 = 7
    /// The file whose pieces the tests store.
    static let fileID = "0123456789abcdef0123456789abcdef"

    /// The temporary directory, removed by ``remove()``; the store is in `pieces/` under it.
    let root: URL
    let store: PieceStore
    let keys: OrderKeys
    let signer: OrderSigner
    let server: PieceServer

    init(capacity: Int64 = 1 << 30, minimumFreeBytes: Int64 = 0, freeBytes: @escaping @Sendable (String) -> Int64? = PieceStore.diskFreeBytes,
         clock: @escaping @Sendable () -> Double = { PieceFixture.now }) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("borg-pieces-\(UUID().uuidString.prefix(8))")
        store = try PieceStore(directory: root.appendingPathComponent("pieces"), capacity: capacity, minimumFreeBytes: minimumFreeBytes,
                               freeBytes: freeBytes)
        signer = OrderSigner(privateKey: Curve25519.Signing.PrivateKey())
        keys = try OrderKeys(publicKeys: [signer.publicKey], host: Self.host)
        server = PieceServer(store: store, keys: keys, host: "127.0.0.1", port: 0, clock: clock)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs `body` against the server listening on a free port of 127.0.0.1, then removes the directory.
    func live(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { remove() }
        try await server.application().test(.live) { client in try await body(client) }
    }

    /// Piece `index` of segment 0 of ``fileID``.
    static func piece(_ index: Int, segment: Int = 0, fileID: String = fileID) -> PieceID {
        PieceID(fileID: fileID, segment: segment, index: index)
    }

    /// `count` bytes that differ with `seed`.
    static func bytes(_ count: Int, seed: UInt8 = 1) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
    }

    /// The lowercase hex SHA-256 of `data`.
    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// An order signed by `signer` (the fixture's coordinator key by default).
    func order(
        _ actions: [PieceAction], fileID: String = fileID, host: Int64 = host, maxPieceBytes: Int = 1 << 20,
        expires: Double = now + 600, signer: OrderSigner? = nil
    ) -> String {
        (signer ?? self.signer).sign(
            PieceOrder(fileID: fileID, host: host, actions: actions, maxPieceBytes: maxPieceBytes, expires: expires))
    }

    /// Request headers carrying `order` and `sha256` when given.
    static func headers(order: String?, sha256: String? = nil) throws -> HTTPFields {
        var fields = HTTPFields()
        if let order { fields[try #require(HTTPFields.Element.Name(PieceHeaders.order))] = order }
        if let sha256 { fields[try #require(HTTPFields.Element.Name(PieceHeaders.sha256))] = sha256 }
        return fields
    }

    /// The files under the store's directory, however deep, as paths relative to it.
    func filesOnDisk() -> [String] {
        let directory = store.directory.path
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { path in
            var status = stat()
            return lstat(directory + "/" + path, &status) == 0 && status.st_mode & S_IFMT != S_IFDIR
        }.sorted()
    }
}

/// The JSON body of every refusal.
struct PieceErrorBody: Codable, Equatable {
    var error: String
    var status: Int
}

extension PieceErrorBody {
    /// The body of `response`.
    init(_ response: TestResponse) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(response.body.readableBytesView))
    }
}
