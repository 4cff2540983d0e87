import Foundation

/// Parses the donor's cap flags: `--cpu 50%`, `--disk 10GiB`, `--memory 2GiB`.
public enum CapParser {
    /// Parses a CPU share of the whole machine, `1%`…`100%` (the `%` is optional); returns 0.01…1.
    public static func cpuFraction(_ text: String, flag: String = "--cpu") throws(DonorError) -> Double {
        var number = text.trimmingCharacters(in: .whitespaces)
        if number.hasSuffix("%") { number.removeLast() }
        guard let percent = Double(number), percent.isFinite else {
            throw DonorError("\(flag) must be a percentage such as 50%, got '\(text)'")
        }
        guard percent >= 1, percent <= 100 else {
            throw DonorError("\(flag) must be between 1% and 100% of the machine, got '\(text)'")
        }
        return percent / 100
    }

    private static let units: [(suffix: String, factor: UInt64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40), ("B", 1),
    ]

    /// Parses a positive size: bytes, or a number with a unit (`KiB MiB GiB TiB`, `KB MB GB TB`,
    /// `K M G T` = binary), e.g. `10GiB`, `1.5G`, `500MB`.
    public static func bytes(_ text: String, flag: String) throws(DonorError) -> UInt64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var number = Substring(trimmed)
        var factor: UInt64 = 1
        for unit in units where trimmed.uppercased().hasSuffix(unit.suffix.uppercased()) {
            number = trimmed.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw DonorError("\(flag) must be a size such as 10GiB or 500MB, got '\(text)'")
        }
        let total = value * Double(factor)
        guard total >= 1, total < 9.2e18 else {
            throw DonorError("\(flag) must be a positive size such as 10GiB, got '\(text)'")
        }
        return UInt64(total)
    }

    /// Formats a byte count for people: `10 GiB`, `512 MiB`, `800 B`.
    public static func format(bytes: UInt64) -> String {
        let steps: [(String, UInt64)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, size) in steps where bytes >= size {
            let value = Double(bytes) / Double(size)
            return value == value.rounded() ? "\(Int(value)) \(name)" : "\(Double(Int(value * 10)) / 10) \(name)"
        }
        return "\(bytes) B"
    }
}
