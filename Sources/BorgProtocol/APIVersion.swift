/// The coordinator API's version; every route lives under `/v1`.
public enum APIVersion {
    public static let current = "v1"
    public static let pathPrefix = "/v1"
}
