import Foundation

/// Splits an SQL script into its statements, for engines that run one statement per call (dqlite's
/// PREPARE runs only the first statement of a text).
public enum SQLScript {
    /// The `;`-separated statements of `script`, trimmed, without empty ones. Semicolons inside quoted
    /// strings or identifiers and inside `--` or `/* */` comments do not split.
    public static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var lineComment = false
        var blockComment = false
        var previous: Character?
        for character in script {
            defer { previous = character }
            if lineComment {
                if character == "\n" { lineComment = false }
                current.append(character)
                continue
            }
            if blockComment {
                if previous == "*" && character == "/" { blockComment = false }
                current.append(character)
                continue
            }
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
                continue
            }
            switch character {
            case "'", "\"", "`": quote = character
            case "-" where previous == "-": lineComment = true
            case "*" where previous == "/": blockComment = true
            case ";":
                append(current, to: &statements)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        append(current, to: &statements)
        return statements
    }

    private static func append(_ statement: String, to statements: inout [String]) {
        let trimmed = statement.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { statements.append(trimmed) }
    }
}
