import Foundation

/// Base64url text without padding (RFC 4648 §5), as in caps, tokens and sealed names.
enum Base64URL {
    static func encode<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        var text = Array(Data(bytes).base64EncodedData())
        while text.last == UInt8(ascii: "=") { text.removeLast() }
        for i in text.indices {
            switch text[i] {
            case UInt8(ascii: "+"): text[i] = UInt8(ascii: "-")
            case UInt8(ascii: "/"): text[i] = UInt8(ascii: "_")
            default: break
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of canonical base64url text (no padding, no other characters, unused bits zero), or nil.
    static func decode<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        var standard = Array(text.utf8)
        guard standard.count % 4 != 1 else { return nil }
        for i in standard.indices {
            switch standard[i] {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                break
            case UInt8(ascii: "-"): standard[i] = UInt8(ascii: "+")
            case UInt8(ascii: "_"): standard[i] = UInt8(ascii: "/")
            default: return nil
            }
        }
        standard += repeatElement(UInt8(ascii: "="), count: (4 - standard.count % 4) % 4)
        guard let data = Data(base64Encoded: Data(standard)), encode(data).utf8.elementsEqual(text.utf8) else { return nil }
        return Array(data)
    }
}
