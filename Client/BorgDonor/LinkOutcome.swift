import BorgAPIClient

/// What became of one call from a ``CoordinatorLink`` to the coordinators.
public enum LinkOutcome<Value: Sendable>: Sendable {
    /// A coordinator answered.
    case answered(Value)
    /// A coordinator refused the call with a 4xx answer (such as 409 when the task was cancelled).
    case refused(APIClientError)
    /// Nothing was sent, or no coordinator answered (a connection failure or 5xx): the link is offline.
    case unreachable
}
