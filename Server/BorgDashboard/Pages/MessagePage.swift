/// A page that only says something: a page that does not exist, a link with a bad query.
public struct MessagePage: DashboardPage {
    public static let template = "message"
    public let title: String
    public let refreshSeconds: Int? = nil
    public let message: String

    public init(title: String, message: String) {
        self.title = title
        self.message = message
    }
}
