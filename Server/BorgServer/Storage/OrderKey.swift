import BorgStorage
import Crypto
import Foundation

/// The key that signs storage orders. In a grid every coordinator derives the same key from the cluster
/// secret; a single coordinator keeps a random one in `DATA/order-key` (mode 0600).
enum OrderKey {
    static func signer(dataDirectory: URL, clusterSecret: String?) throws -> OrderSigner {
        if let clusterSecret { return OrderSigner(deriveFrom: Array(clusterSecret.utf8)) }
        let file = dataDirectory.appendingPathComponent("order-key")
        if let seed = try? Data(contentsOf: file), seed.count == 32 {
            return OrderSigner(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        }
        let key = Curve25519.Signing.PrivateKey()
        try DataDirectoryBootstrap.writeBytes(key.rawRepresentation, to: file)
        return OrderSigner(privateKey: key)
    }
}
