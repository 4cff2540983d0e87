import Foundation

/// How the dashboard writes numbers, times and sizes: the same on every page, independent of locale.
public enum Format {
    /// `12345` → `12,345`.
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// Credit: whole cobblestones with thousands separators, two decimals below 10.
    public static func credit(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if abs(value) < 10 { return String(format: "%.2f", value) }
        return count(Int(value.rounded()))
    }

    /// Computing power from recent average credit: 200 cobblestones a day are 1 GFLOPS sustained.
    public static func power(rac: Double) -> String {
        let gigaflops = rac / 200
        if gigaflops >= 1000 { return String(format: "%.1f TFLOPS", gigaflops / 1000) }
        return String(format: "%.1f GFLOPS", gigaflops)
    }

    /// A rate per second with sensible precision.
    public static func rate(_ perSecond: Double) -> String {
        perSecond >= 10 ? String(format: "%.0f", perSecond) : String(format: "%.2f", perSecond)
    }

    /// A duration: `45 s`, `12 min`, `3 h 12 min`, `2 d 4 h`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        let s = Int(seconds.rounded())
        switch s {
        case ..<60: return "\(s) s"
        case ..<3600: return "\(s / 60) min"
        case ..<86_400: return "\(s / 3600) h \(s % 3600 / 60) min"
        default: return "\(s / 86_400) d \(s % 86_400 / 3600) h"
        }
    }

    /// A moment in UTC: `2026-12-04 19:20 UTC`.
    public static func time(_ secondsSince1970: Double) -> String {
        utc("yyyy-MM-dd HH:mm 'UTC'").string(from: Date(timeIntervalSince1970: secondsSince1970))
    }

    /// A day (days since 1970): `2026-12-04`.
    public static func day(_ day: Int) -> String {
        utc("yyyy-MM-dd").string(from: Date(timeIntervalSince1970: Double(day) * 86_400))
    }

    /// Bytes in binary units: `1.5 GiB` (a sum of sizes may exceed Int64, hence Double).
    public static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"]
        var size = value
        var unit = 0
        while size >= 1024 && unit < units.count - 1 {
            size /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: "%.1f", size) + " " + units[unit]
    }

    private static func utc(_ pattern: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter
    }
}
