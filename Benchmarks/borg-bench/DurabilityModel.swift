import ArgumentParser
import BorgCore
import BorgStorage
import Foundation

/// `borg-bench durability`: annual file-loss probability of erasure-coded storage on churning hosts, in the
/// style of the Storj whitepaper's durability model, extended with the time a repair takes.
///
/// A segment of k+m pieces lives on n = k+m hosts. A host that leaves is noticed after the detection grace and
/// its pieces are rebuilt within the rebuild time; together they make the repair window. The segment is lost
/// if more than m of its n hosts fail within one window. Hosts fail independently with exponential lifetimes
/// whose rate matches the monthly churn, and every repair completes within its window.
struct DurabilityModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "durability", abstract: "A model of annual file loss at k+m redundancy under monthly host churn and repair time.")

    @Option(help: "Redundancy K+M (repeat for several).")
    var redundancy: [String] = ["4+2", "2+1"]

    @Option(help: "Monthly host churn in percent: the share of hosts that leave within a month (repeat for several).")
    var churn: [Double] = [5, 10, 20]

    @Option(help: "Seconds from a host's failure until repair starts (the coordinator's --storage-repair-grace, default 900).")
    var grace = 900.0

    @Option(help: "Seconds a repair takes to rebuild the lost host's pieces.")
    var rebuild = 600.0

    @Option(help: "File size.")
    var fileSize = "1GiB"

    @Option(help: "Plaintext bytes per segment.")
    var segmentSize = "1MiB"

    static let month = 365.25 / 12 * 86_400
    static let year = 365.25 * 86_400

    func validate() throws {
        for text in redundancy { _ = try Redundancy(parsing: text) }
        guard churn.allSatisfy({ $0 > 0 && $0 < 100 }) else { throw ValidationError("--churn must be between 0 and 100 percent") }
        guard grace >= 0, rebuild >= 0, grace + rebuild > 0 else { throw ValidationError("--grace and --rebuild must be ≥ 0 and not both 0") }
        guard ByteCount.parse(fileSize) != nil, ByteCount.parse(segmentSize) != nil else {
            throw ValidationError("--file-size and --segment-size must be sizes, e.g. 1GiB and 1MiB")
        }
    }

    /// The model's figures for one redundancy and churn.
    struct Figures {
        /// Probability that a given host fails within one repair window.
        var hostFailure: Double
        /// Probability that more than m of a segment's n hosts fail within one window.
        var segmentLoss: Double
        /// Annual file loss with the S segments' host sets independent: 1 − (1 − P)^(S·W).
        var fileLossIndependent: Double
        /// Annual file loss when every segment sits on the same n hosts (a grid of exactly n hosts): 1 − (1 − P)^W.
        var fileLossSameHosts: Double
    }

    static func figures(k: Int, m: Int, monthlyChurn: Double, window: Double, segments: Int) -> Figures {
        let n = k + m
        // Exponential lifetimes: P(leave within a month) = churn, so the rate is −ln(1 − churn) per month.
        let rate = -log1p(-monthlyChurn) / month
        let p = -expm1(-rate * window)
        var segmentLoss = 0.0
        for i in (m + 1)...n {
            segmentLoss += binomial(n, i) * pow(p, Double(i)) * pow(1 - p, Double(n - i))
        }
        let windows = year / window
        let perWindow = log1p(-segmentLoss)
        return Figures(hostFailure: p, segmentLoss: segmentLoss,
                       fileLossIndependent: -expm1(Double(segments) * windows * perWindow),
                       fileLossSameHosts: -expm1(windows * perWindow))
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return 0 }
        var result = 1.0
        for i in 0..<min(k, n - k) { result = result * Double(n - i) / Double(i + 1) }
        return result
    }

    func run() throws {
        let file = ByteCount.parse(fileSize)!, segment = ByteCount.parse(segmentSize)!
        let segments = Int((file + segment - 1) / segment)
        let window = grace + rebuild
        print("durability model: repair window \(Int(grace)) s detection grace + \(Int(rebuild)) s rebuild = \(Int(window)) s, \(String(format: "%.0f", Self.year / window)) windows a year; a \(ByteCount.format(file)) file of \(segments) segments of \(ByteCount.format(segment))")
        print("assumptions: hosts fail independently, with exponential lifetimes matching the monthly churn; a segment is lost only if more than m of its n hosts fail within one window; every repair completes within its window")
        print("")
        print("| redundancy | grid default at hosts | monthly churn | host fails within a window | segment lost per window | annual file loss, segments on independent host sets | annual file loss, every segment on the same n hosts |")
        print("|---|---|---|---|---|---|---|")
        for text in redundancy {
            let coding = try Redundancy(parsing: text)
            for percent in churn {
                let f = Self.figures(k: coding.dataPieces, m: coding.parityPieces, monthlyChurn: percent / 100, window: window,
                                     segments: segments)
                print("| \(coding) | \(Self.gridsDefaulting(to: coding)) | \(Self.number(percent)) % | \(Self.scientific(f.hostFailure)) | \(Self.scientific(f.segmentLoss)) | \(Self.scientific(f.fileLossIndependent)) | \(Self.scientific(f.fileLossSameHosts)) |")
            }
        }
    }

    /// The grid sizes whose default redundancy this is, e.g. "6 or more", "3".
    static func gridsDefaulting(to coding: Redundancy) -> String {
        let sizes = (1...64).filter { Redundancy.defaults(storageHosts: $0) == coding }
        guard let first = sizes.first else { return "not a default (≥ \(coding.totalPieces))" }
        if sizes.last == 64 { return "\(first) or more" }
        return sizes.count == 1 ? "\(first)" : "\(first)–\(sizes.last!)"
    }

    static func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }

    static func scientific(_ value: Double) -> String {
        value == 0 ? "0 (below Double's range)" : String(format: "%.2e", value)
    }
}
