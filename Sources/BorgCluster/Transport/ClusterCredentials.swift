import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// The identity all members of one cluster share: a P-256 key derived from the cluster secret and a self-signed
/// certificate for it. Members present the certificate on every cluster connection and admit a peer only if its
/// certificate carries this same public key (and the TLS handshake proves it holds the private key), so only
/// holders of the secret, or of the key stored from it, take part.
public struct ClusterCredentials: Sendable {
    /// The private key in PEM (PKCS #8), to store for tools that reach the cluster without the secret.
    public let privateKeyPEM: String
    /// The certificate presented to peers (DER).
    let certificateDER: [UInt8]
    /// The private key in DER, as TLS loads it.
    let privateKeyDER: [UInt8]
    /// The SubjectPublicKeyInfo a peer's certificate must carry (DER).
    let publicKeyDER: [UInt8]

    /// Derives the credentials from the cluster secret. Derivation is deliberately slow (scrypt, about 0.1 s):
    /// a peer's certificate shows the public key, so a guessed secret can be checked offline; the secret should
    /// still be long and random.
    public init(secret: String) throws {
        guard !secret.isEmpty else { throw DqliteError.invalidArgument("the cluster secret is empty") }
        let stretched = try KDF.Scrypt.deriveKey(from: Array(secret.utf8), salt: Array(Self.salt.utf8), outputByteCount: 32,
                                                 rounds: 1 << 15, blockSize: 8, parallelism: 1)
        try self.init(key: Self.privateKey(from: stretched))
    }

    /// The credentials of a stored private key (`privateKeyPEM`).
    public init(privateKeyPEM: String) throws {
        do {
            try self.init(key: P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM))
        } catch let error as DqliteError {
            throw error
        } catch {
            throw DqliteError.invalidArgument("not a P-256 private key in PEM: \(error)")
        }
    }

    private init(key: P256.Signing.PrivateKey) throws {
        privateKeyPEM = key.pemRepresentation
        privateKeyDER = Array(key.derRepresentation)
        publicKeyDER = Array(key.publicKey.derRepresentation)
        let name = try DistinguishedName { CommonName("borg cluster member") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(100 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
            },
            issuerPrivateKey: .init(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        certificateDER = serializer.serializedBytes
    }

    private static let salt = "borg cluster link v1"

    /// The first of a few HKDF expansions of the stretched secret that is a valid P-256 scalar (the first one is,
    /// but for a chance of about 2^-32).
    private static func privateKey(from stretched: SymmetricKey) throws -> P256.Signing.PrivateKey {
        for counter in 0..<8 {
            let candidate = HKDF<SHA256>.expand(pseudoRandomKey: stretched, info: Array("P-256 key \(counter)".utf8),
                                                outputByteCount: 32)
            if let key = try? P256.Signing.PrivateKey(rawRepresentation: candidate.withUnsafeBytes { Array($0) }) {
                return key
            }
        }
        throw DqliteError.invalidArgument("no P-256 key derives from this cluster secret")
    }
}
