/// Why the engine refuses a request, in its own terms; the HTTP edge alone picks the status code.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    /// No such task, work unit, batch, project, donor or blob.
    case unknown(String)
    /// It exists but belongs to another host, project or donor (or the credential does not match).
    case notYours(String)
    /// It is not in a state that allows this (a task already reported, timed out or cancelled).
    case wrongState(String)
    /// The request itself is malformed or out of bounds; the reason names the field.
    case invalid(String)
    /// A file is larger than the project allows.
    case tooLarge(String)
    /// Nothing can take the request right now (no quorum, no leader); retry shortly.
    case unavailable(String)
    /// It existed but was purged (a batch's results after retention).
    case purged(String)

    public var description: String {
        switch self {
        case .unknown(let reason), .notYours(let reason), .wrongState(let reason), .invalid(let reason),
             .tooLarge(let reason), .unavailable(let reason), .purged(let reason):
            return reason
        }
    }
}
