/// A request the HTTP edge cannot read: a malformed body, field or header (answered 400), or a body
/// over its route's limit (answered 413).
enum RequestError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case tooLarge(String)

    var description: String {
        switch self {
        case .malformed(let reason), .tooLarge(let reason): return reason
        }
    }
}
