import Crypto
import Foundation

/// Signs ``PieceOrder``s with Ed25519. A token is `<base64url JSON>.<base64url signature>`, without padding.
public struct OrderSigner: Sendable {
    /// The private key's 32-byte seed (crypto keys are not `Sendable`, bytes are).
    private let seed: [UInt8]
    /// The raw 32-byte public key in standard base64, as hosts are given it.
    public let publicKey: String

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        seed = Array(privateKey.rawRepresentation)
        publicKey = privateKey.publicKey.rawRepresentation.base64EncodedString()
    }

    /// The key derived from secret material (HKDF-SHA256, info `borg order key`, a 32-byte seed), so that
    /// every coordinator of a grid derives the same key from the cluster secret.
    public init(deriveFrom secret: [UInt8]) {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), info: Array("borg order key".utf8), outputByteCount: 32)
        self.init(privateKey: Self.privateKey(seed.withUnsafeBytes { Array($0) }))
    }

    /// The signed token of `order`, whose `expires` must be finite.
    public func sign(_ order: PieceOrder) -> String {
        precondition(order.expires.isFinite, "an order's expiry must be a finite time")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            let json = try encoder.encode(order)
            return Base64URL.encode(json) + "." + Base64URL.encode(try Self.privateKey(seed).signature(for: json))
        } catch {
            preconditionFailure("an order with a finite expiry always encodes and signs: \(error)")
        }
    }

    private static func privateKey(_ seed: [UInt8]) -> Curve25519.Signing.PrivateKey {
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            preconditionFailure("a 32-byte seed is always an Ed25519 key: \(error)")
        }
    }
}
