/// The rule for names people choose and others read (donors, teams): 1 to 100 characters (Unicode scalars,
/// as JSON Schema counts them) on one line, not all spaces. Spaces around the name are dropped.
public enum DisplayName {
    public static let maxLength = 100
    /// Line breaks a name may not hold.
    static let lineBreaks: Set<Unicode.Scalar> = ["\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"]
    /// White space: what regular expressions' `\s` matches in ECMA-262 or in Python, either.
    static let spaces: Set<Unicode.Scalar> = lineBreaks.union([
        "\t", " ", "\u{1C}", "\u{1D}", "\u{1E}", "\u{1F}", "\u{A0}", "\u{1680}", "\u{202F}", "\u{205F}", "\u{3000}",
        "\u{FEFF}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}", "\u{2004}", "\u{2005}", "\u{2006}", "\u{2007}",
        "\u{2008}", "\u{2009}", "\u{200A}",
    ])
    /// The same rule as a regular expression, built from the same sets with explicit character classes, so that
    /// every dialect (ECMA-262 for JSON Schema, Python's for schemathesis) reads it alike.
    public static let pattern: String = {
        func escaped(_ set: Set<Unicode.Scalar>) -> String {
            set.sorted { $0.value < $1.value }.map { scalar in
                let hex = String(scalar.value, radix: 16)
                return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }.joined()
        }
        let oneLine = "[^\(escaped(lineBreaks))]"
        return "^(?=\(oneLine)*[^\(escaped(spaces))])\(oneLine){1,\(maxLength)}(?![\\s\\S])"
    }()

    /// The name without surrounding spaces, or `nil` if it breaks the rule.
    public static func checked(_ name: String) -> String? {
        let scalars = name.unicodeScalars
        guard (1...maxLength).contains(scalars.count), !scalars.contains(where: lineBreaks.contains),
              scalars.contains(where: { !spaces.contains($0) })
        else { return nil }
        guard let first = scalars.firstIndex(where: { !spaces.contains($0) }),
              let last = scalars.lastIndex(where: { !spaces.contains($0) })
        else { return nil }
        return String(scalars[first...last])
    }
}
