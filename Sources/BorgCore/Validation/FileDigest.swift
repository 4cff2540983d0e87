/// A file named in a work unit or a task's output, identified by its content hash.
public struct FileDigest: Codable, Sendable, Hashable {
    public var name: String
    /// Lower-case hex SHA-256 of the content.
    public var sha256: String
    public var size: Int64

    public init(name: String, sha256: String, size: Int64) {
        self.name = name
        self.sha256 = sha256
        self.size = size
    }
}
