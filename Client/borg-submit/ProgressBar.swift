import BorgProtocol
import Foundation

/// Draws a batch's progress on one terminal line, with an ETA from the observed rate.
struct ProgressBar {
    private var start: (time: Date, done: Int)?
    private let interactive = isatty(STDOUT_FILENO) == 1
    private var lastPrinted = Date.distantPast

    static func summary(_ s: BatchStatus) -> String {
        "batch \(s.id) (\(s.project)) \(s.state.rawValue): \(s.completed + s.failed + s.cancelled)/\(s.workUnits) done " +
            "(\(s.completed) completed, \(s.failed) errored, \(s.cancelled) cancelled), \(s.tasksInProgress) tasks in progress"
    }

    mutating func show(_ s: BatchStatus) {
        let done = s.completed + s.failed + s.cancelled
        let now = Date()
        if start == nil { start = (now, done) }
        var eta = "--:--"
        if let start, done > start.done, s.outstanding > 0 {
            let rate = Double(done - start.done) / now.timeIntervalSince(start.time)
            let seconds = Int(Double(s.outstanding) / rate)
            eta = String(format: "%d:%02d", seconds / 60, seconds % 60)
        } else if s.outstanding == 0 {
            eta = "0:00"
        }
        let width = 30
        let filled = s.workUnits == 0 ? width : width * done / s.workUnits
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "[\(bar)] \(done)/\(s.workUnits) done, \(s.failed) errored, \(s.tasksInProgress) in progress, ETA \(eta)"
        if interactive {
            print("\r\(line)", terminator: "")
            fflush(nil)
        } else if now.timeIntervalSince(lastPrinted) >= 5 || s.outstanding == 0 {
            print(line)
            lastPrinted = now
        }
    }

    func finish(_ s: BatchStatus) {
        if interactive { print("") }
        print(Self.summary(s))
    }
}
