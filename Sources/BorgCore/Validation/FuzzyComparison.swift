/// Compares two texts as sequences of tokens: numbers within tolerance, everything else exactly.
///
/// A number is a decimal literal such as `-1.5e-3`; whitespace between tokens is ignored. An output with
/// a number that is not finite (`inf`, `nan`, `1e999`) agrees with nothing, itself included: a host
/// cannot make a tolerance infinite.
public struct FuzzyComparison: Sendable {
    public let relativeTolerance: Double
    public let absoluteTolerance: Double

    public init(relativeTolerance: Double, absoluteTolerance: Double) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// Whether the two byte strings are equal up to numeric tolerance.
    public func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let left = Self.tokens(a)
        let right = Self.tokens(b)
        guard left.count == right.count, Self.allFinite(left), Self.allFinite(right) else { return false }
        for (x, y) in zip(left, right) {
            switch (x, y) {
            case (.number(let p), .number(let q)):
                if !close(p, q) { return false }
            case (.text(let p), .text(let q)):
                if p != q { return false }
            default:
                return false
            }
        }
        return true
    }

    static func allFinite(_ tokens: [Token]) -> Bool {
        tokens.allSatisfy { token in
            if case .number(let value) = token { return value.isFinite }
            return true
        }
    }

    func close(_ x: Double, _ y: Double) -> Bool {
        if x == y { return true }
        let diff = abs(x - y)
        return diff <= absoluteTolerance || diff <= relativeTolerance * max(abs(x), abs(y))
    }

    enum Token: Equatable {
        case number(Double)
        case text([UInt8])
    }

    static func tokens(_ bytes: [UInt8]) -> [Token] {
        var result: [Token] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if isSpace(c) { i += 1; continue }
            let start = i
            while i < bytes.count, !isSpace(bytes[i]), !isSeparator(bytes[i]) { i += 1 }
            if i == start { i += 1 }  // a separator is a token of its own
            let word = Array(bytes[start..<i])
            if let value = number(word) {
                result.append(.number(value))
            } else {
                result.append(.text(word))
            }
        }
        return result
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    static func isSeparator(_ c: UInt8) -> Bool { c == UInt8(ascii: ",") || c == UInt8(ascii: ";") }

    /// The word as a number: a decimal literal, or a spelling of infinity or NaN (which is then not finite).
    static func number(_ word: [UInt8]) -> Double? {
        let text = String(decoding: word, as: UTF8.self)
        let unsigned = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
        if ["inf", "infinity", "nan"].contains(unsigned.lowercased()) { return .nan }
        guard let first = word.first,
            first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        else { return nil }
        return Double(text)
    }
}
