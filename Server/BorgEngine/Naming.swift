/// Names of projects, platforms, work units, inputs and outputs: they become file names on hosts and in
/// results.
public enum Naming {
    public static let rule = "must be 1 to 200 characters of letters, digits, '.', '_' or '-', not starting with '.'"

    /// The same rule as a regular expression, for the API document (`(?![\s\S])` ends the text in every
    /// dialect; `$` would also match before a final line break in some).
    public static let pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}(?![\\s\\S])"

    public static func isValid(_ name: String) -> Bool {
        guard (1...200).contains(name.utf8.count), name.first != "." else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 45
        }
    }
}
