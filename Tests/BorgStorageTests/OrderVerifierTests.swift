import BorgStorage
import Crypto
import Foundation
import Testing

struct OrderVerifierTests {
    let signer = OrderSigner(privateKey: .init())
    let order = PieceOrder(
        fileID: "0123456789abcdef0123456789abcdef", host: 7, actions: [.put, .delete], maxPieceBytes: 4096,
        expires: 1_000_000)

    @Test func roundTrip() throws {
        let verifier = try OrderVerifier(publicKeys: [signer.publicKey])
        #expect(try verifier.verify(signer.sign(order), now: 999_999) == order)
    }

    @Test func anyKnownKeyVerifies() throws {
        let other = OrderSigner(privateKey: .init())
        let verifier = try OrderVerifier(publicKeys: [other.publicKey, signer.publicKey])
        #expect(try verifier.verify(signer.sign(order), now: 0) == order)
        #expect(try verifier.verify(other.sign(order), now: 0) == order)
    }

    @Test func tamperedOrderIsForged() throws {
        let token = signer.sign(order)
        let parts = token.split(separator: ".").map(String.init)
        let json = try #require(Self.base64URLDecode(parts[0]))
        let altered = String(decoding: json, as: UTF8.self).replacingOccurrences(of: #""host":7"#, with: #""host":8"#)
        #expect(altered != String(decoding: json, as: UTF8.self))
        let forged = Self.base64URLEncode(Data(altered.utf8)) + "." + parts[1]
        #expect(throws: StorageError.forgedOrder) {
            try OrderVerifier(publicKeys: [signer.publicKey]).verify(forged, now: 0)
        }
    }

    @Test func anotherKeyIsForged() throws {
        let stranger = OrderSigner(privateKey: .init())
        #expect(throws: StorageError.forgedOrder) {
            try OrderVerifier(publicKeys: [signer.publicKey]).verify(stranger.sign(order), now: 0)
        }
        #expect(throws: StorageError.forgedOrder) {
            try OrderVerifier(publicKeys: []).verify(signer.sign(order), now: 0)
        }
    }

    @Test func expiredOrderIsRefused() throws {
        let verifier = try OrderVerifier(publicKeys: [signer.publicKey])
        #expect(throws: StorageError.expiredOrder) { try verifier.verify(signer.sign(order), now: 1_000_000) }
        #expect(throws: StorageError.expiredOrder) { try verifier.verify(signer.sign(order), now: 2e9) }
    }

    @Test(arguments: [
        "", ".", "abc", "a.b.c", "!!!.???", "eyJ9.", ".AAAA", "e30=.AAAA", String(repeating: "A", count: 5000),
    ])
    func garbageIsMalformed(token: String) throws {
        let verifier = try OrderVerifier(publicKeys: [signer.publicKey])
        let error = #expect(throws: StorageError.self) { try verifier.verify(token, now: 0) }
        guard case .malformedOrder = error else {
            Issue.record("expected malformedOrder for \(token.prefix(20)), got \(String(describing: error))")
            return
        }
    }

    @Test func shortSignatureIsMalformed() throws {
        let token = signer.sign(order)
        let truncated = String(token.dropLast(4))
        let error = #expect(throws: StorageError.self) {
            try OrderVerifier(publicKeys: [signer.publicKey]).verify(truncated, now: 0)
        }
        #expect(error.map { if case .malformedOrder = $0 { true } else { false } } == true)
    }

    @Test func signedNonOrderIsMalformed() throws {
        let key = Curve25519.Signing.PrivateKey()
        let json = Data(#"{"hello":"world"}"#.utf8)
        let token = Self.base64URLEncode(json) + "." + Self.base64URLEncode(try key.signature(for: json))
        let verifier = try OrderVerifier(publicKeys: [key.publicKey.rawRepresentation.base64EncodedString()])
        #expect(throws: StorageError.malformedOrder("the signed order is not an order's JSON")) {
            try verifier.verify(token, now: 0)
        }
    }

    @Test(arguments: ["", "not base64", "AAAA", Data(count: 33).base64EncodedString()])
    func badKeyIsMalformed(key: String) {
        let error = #expect(throws: StorageError.self) { try OrderVerifier(publicKeys: [key]) }
        #expect(error.map { if case .malformedOrder = $0 { true } else { false } } == true)
    }

    static func base64URLEncode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard)
    }
}
