import Foundation

/// JSON as Borg writes it, on the wire and in `--json` output: keys sorted, so equal values print alike.
public enum WireJSON {
    /// An encoder with sorted keys; `pretty` indents for people.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return encoder
    }

    /// `value` as indented JSON text (what the CLIs print for `--json`).
    public static func pretty<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder(pretty: true).encode(value), as: UTF8.self)
    }
}
