import BorgStorage
import Crypto
import Foundation
import Testing

struct OrderSignerTests {
    static let order = PieceOrder(
        fileID: "0123456789abcdef0123456789abcdef", host: 7, actions: [.get], maxPieceBytes: 1 << 20, expires: 2e9)

    @Test func derivedSignerIsDeterministic() throws {
        let a = OrderSigner(deriveFrom: Array("cluster secret".utf8))
        let b = OrderSigner(deriveFrom: Array("cluster secret".utf8))
        #expect(a.publicKey == b.publicKey)
        #expect(try OrderVerifier(publicKeys: [b.publicKey]).verify(a.sign(Self.order), now: 0) == Self.order)
    }

    @Test func derivedSignerDiffersPerSecret() {
        let keys = Set(["one", "two", "", "cluster secret"].map { OrderSigner(deriveFrom: Array($0.utf8)).publicKey })
        #expect(keys.count == 4)
    }

    @Test func publicKeyIsStandardBase64OfTheRawKey() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = OrderSigner(privateKey: key)
        #expect(signer.publicKey == key.publicKey.rawRepresentation.base64EncodedString())
        #expect(Data(base64Encoded: signer.publicKey)?.count == 32)
    }

    @Test func tokenIsTwoBase64URLParts() {
        let token = OrderSigner(privateKey: .init()).sign(Self.order)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 2)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(alphabet.contains) })
    }
}
