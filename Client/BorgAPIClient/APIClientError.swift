/// A failed API call: the coordinator's answer (status and JSON reason), or why none came.
public struct APIClientError: Error, CustomStringConvertible, Equatable {
    /// HTTP status, or `nil` when no coordinator answered.
    public let status: Int?
    public let reason: String

    public init(status: Int?, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String {
        status.map { "coordinator answered \($0): \(reason)" } ?? reason
    }
}
