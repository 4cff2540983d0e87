import Foundation

/// A one-line progress bar on standard error for puts, gets and pieces moving, updated at most ten times a
/// second; silent when standard error is not a terminal unless `always`.
public final class TransferProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private let total: Int64
    private let visible: Bool
    private var done: Int64 = 0
    private var lastDrawn = Date.distantPast
    private let started = Date()

    public init(_ label: String, total: Int64, always: Bool = false) {
        self.label = label
        self.total = max(total, 1)
        self.visible = always || isatty(2) != 0
    }

    /// Counts `bytes` more as done.
    public func advance(_ bytes: Int64) {
        lock.lock()
        done += bytes
        let now = Date()
        let draw = visible && now.timeIntervalSince(lastDrawn) >= 0.1
        if draw { lastDrawn = now }
        let line = draw ? render(now) : nil
        lock.unlock()
        if let line { FileHandle.standardError.write(Data(("\r" + line).utf8)) }
    }

    /// Draws the final state and ends the line.
    public func finish() {
        guard visible else { return }
        lock.lock()
        let line = render(Date())
        lock.unlock()
        FileHandle.standardError.write(Data(("\r" + line + "\n").utf8))
    }

    private func render(_ now: Date) -> String {
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let seconds = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / seconds / 1_048_576
        return "\(label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            + "] \(Int(fraction * 100))% " + String(format: "%.1f MiB/s", rate)
    }
}
