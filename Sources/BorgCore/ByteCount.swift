/// Sizes as people write them: bytes, or a number with a unit (`KiB MiB GiB TiB`, `KB MB GB TB`, `K M G T` =
/// binary), e.g. `10GiB`, `1.5G`, `500MB`.
public enum ByteCount {
    private static let units: [(suffix: String, factor: Double)] = [
        ("KIB", 0x1p10), ("MIB", 0x1p20), ("GIB", 0x1p30), ("TIB", 0x1p40),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
        ("K", 0x1p10), ("M", 0x1p20), ("G", 0x1p30), ("T", 0x1p40), ("B", 1),
    ]

    /// The size `text` names, if it is one of at least one byte and below 2^63.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.uppercased().filter { $0 != " " }
        var number = Substring(trimmed)
        var factor = 1.0
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard let value = Double(number), value.isFinite else { return nil }
        let total = value * factor
        guard total >= 1, total < 9.2e18 else { return nil }
        return UInt64(total)
    }

    /// A byte count for people: `10 GiB`, `512 MiB`, `800 B`.
    public static func format(_ bytes: UInt64) -> String {
        let steps: [(String, UInt64)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, size) in steps where bytes >= size {
            let value = Double(bytes) / Double(size)
            return value == value.rounded() ? "\(Int(value)) \(name)" : "\(Double(Int(value * 10)) / 10) \(name)"
        }
        return "\(bytes) B"
    }
}
