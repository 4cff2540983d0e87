import Hummingbird

extension Coordinator {
    /// The request's `Idempotency-Key` header, if any: a client-chosen token that makes a retried request
    /// (through any coordinator) return the first attempt's response instead of repeating its effects.
    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value else { return nil }
        guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw APIError.badRequest("header Idempotency-Key must be 1 to 200 printable ASCII characters without spaces")
        }
        return key
    }
}
