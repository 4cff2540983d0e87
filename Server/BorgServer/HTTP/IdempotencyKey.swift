import HTTPTypes
import Hummingbird

/// The request's `Idempotency-Key` header: a client-chosen token that makes a retried request (through
/// any coordinator) return the first attempt's response instead of repeating its effects.
enum IdempotencyKey {
    /// The header's name.
    static let header = HTTPField.Name("Idempotency-Key")!

    /// The longest key, and the key's characters as a regular expression (printable ASCII, no space).
    static let maxLength = 200
    static let pattern = "^[!-~]+(?![\\s\\S])"

    /// The header's value, if present; throws when it is not 1 to 200 printable ASCII characters.
    static func of(_ request: Request) throws -> String? {
        guard let key = request.headers[header] else { return nil }
        guard (1...maxLength).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw RequestError.malformed("header Idempotency-Key must be 1 to 200 printable ASCII characters without spaces")
        }
        return key
    }
}
