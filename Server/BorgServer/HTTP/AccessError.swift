/// A request without the credential its route needs, or with one that does not allow it.
enum AccessError: Error, Equatable, CustomStringConvertible {
    /// No credential, or one nobody issued (answered 401).
    case missingCredential(String)
    /// A valid credential that does not allow this (answered 403).
    case denied(String)

    var description: String {
        switch self {
        case .missingCredential(let reason), .denied(let reason): return reason
        }
    }
}
