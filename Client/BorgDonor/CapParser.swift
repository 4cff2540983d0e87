import BorgCore
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

    /// Parses a positive size (``ByteCount``), e.g. `10GiB`, `1.5G`, `500MB`; errors name the flag.
    public static func bytes(_ text: String, flag: String) throws(DonorError) -> UInt64 {
        guard let bytes = ByteCount.parse(text) else {
            throw DonorError("\(flag) must be a positive size such as 10GiB or 500MB, got '\(text)'")
        }
        return bytes
    }

    /// Formats a byte count for people: `10 GiB`, `512 MiB`, `800 B`.
    public static func format(bytes: UInt64) -> String { ByteCount.format(bytes) }
}
