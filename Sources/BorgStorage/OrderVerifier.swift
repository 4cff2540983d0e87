import Crypto
import Foundation

/// Checks order tokens from ``OrderSigner`` against the coordinators' public keys.
public struct OrderVerifier: Sendable {
    /// The raw 32-byte keys (crypto keys are not `Sendable`, bytes are), each checked to be a key.
    private let keys: [Data]

    /// Longest token accepted; real ones are a few hundred bytes.
    public static let maxTokenLength = 4096

    /// Keys in standard base64 of the raw 32 bytes (``OrderSigner/publicKey``); a bad one throws
    /// ``StorageError/malformedOrder(_:)``.
    public init(publicKeys: [String]) throws {
        keys = try publicKeys.map { text in
            guard let raw = Data(base64Encoded: text), raw.count == 32,
                (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
            else {
                let shown = text.count > 60 ? "\(text.prefix(60))…" : text
                throw StorageError.malformedOrder("order key \"\(shown)\" is not a base64 Ed25519 public key (32 bytes)")
            }
            return raw
        }
    }

    /// The order, if its signature verifies under one of the keys and it has not expired at `now` (seconds
    /// since 1970). Throws ``StorageError/malformedOrder(_:)``, ``StorageError/forgedOrder`` or
    /// ``StorageError/expiredOrder``.
    public func verify(_ token: String, now: Double) throws -> PieceOrder {
        guard token.utf8.count <= Self.maxTokenLength else {
            throw StorageError.malformedOrder("the order token is longer than \(Self.maxTokenLength) bytes")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let json = Base64URL.decode(parts[0]), let signature = Base64URL.decode(parts[1])
        else {
            throw StorageError.malformedOrder("not an order token: expected <base64url order>.<base64url signature>")
        }
        guard signature.count == 64 else {
            throw StorageError.malformedOrder("the order's signature is \(signature.count) bytes, not 64")
        }
        let valid = keys.contains { raw in
            (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?.isValidSignature(signature, for: json) == true
        }
        guard valid else { throw StorageError.forgedOrder }
        let order: PieceOrder
        do {
            order = try JSONDecoder().decode(PieceOrder.self, from: Data(json))
        } catch {
            throw StorageError.malformedOrder("the signed order is not an order's JSON")
        }
        guard now < order.expires else { throw StorageError.expiredOrder }
        return order
    }
}
