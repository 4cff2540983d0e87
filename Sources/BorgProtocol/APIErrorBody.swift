/// The JSON body of every 4xx/5xx answer: `{"error": "...", "status": 400}`.
public struct APIErrorBody: Codable, Sendable, Equatable {
    /// What went wrong and, where possible, what to do next.
    public var error: String
    public var status: Int

    public init(error: String, status: Int) {
        self.error = error
        self.status = status
    }
}
