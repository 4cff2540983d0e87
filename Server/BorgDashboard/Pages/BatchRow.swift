import BorgProtocol
import Foundation

/// A batch as the grid and batch pages list it: progress, errors and an estimate of the time left.
public struct BatchRow: Sendable {
    public let id: String
    public let link: String
    public let project: Link
    public let state: String
    public let workUnits: String
    public let completed: String
    public let failed: String
    /// Work units finished in any way, and all of them: the progress bar's value and maximum.
    public let finishedCount: Int
    public let totalCount: Int
    public let percent: String
    public let eta: String
    public let hasFailures: Bool

    public init(_ status: BatchStatus, now: Double) {
        id = String(status.id.rawValue)
        link = "/batches/\(status.id.rawValue)"
        project = Link(href: "/projects/\(PathComponent.encode(status.project))", text: status.project)
        state = status.state.rawValue
        workUnits = Format.count(status.workUnits)
        completed = Format.count(status.completed)
        failed = Format.count(status.failed)
        finishedCount = status.workUnits - status.outstanding
        totalCount = max(status.workUnits, 1)
        percent = String(Int((Double(finishedCount) / Double(totalCount) * 100).rounded(.down))) + " %"
        eta = Self.eta(status, now: now)
        hasFailures = status.failed > 0
    }

    /// Time left at the pace so far; a dash until something finished, or once nothing is left.
    static func eta(_ status: BatchStatus, now: Double) -> String {
        guard status.state == .active else { return "–" }
        let finished = status.workUnits - status.outstanding
        let elapsed = now - status.createdAt
        guard finished > 0, elapsed > 0 else { return "–" }
        return Format.duration(Double(status.outstanding) / (Double(finished) / elapsed))
    }
}

/// Percent-encoding of one URL path component (a project or other name in a link): everything but RFC
/// 3986's unreserved ASCII characters.
enum PathComponent {
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
}
