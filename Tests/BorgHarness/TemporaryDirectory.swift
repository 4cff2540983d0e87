import Foundation

/// A fresh directory under the system's temporary directory (or another parent), removed by ``remove()``
/// (kept, for reading the logs of a failed run, when the environment sets `BORG_KEEP_TEST_DIRECTORIES=1`).
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "borg-test", in parent: URL = FileManager.default.temporaryDirectory) throws {
        url = parent.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func remove() {
        guard ProcessInfo.processInfo.environment["BORG_KEEP_TEST_DIRECTORIES"] != "1" else { return }
        try? FileManager.default.removeItem(at: url)
    }
}
