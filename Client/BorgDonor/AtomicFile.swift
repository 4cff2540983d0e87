import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writes files so that a crash at any moment leaves the old or the new content, never half.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `url`, flushes it and renames it over `url`.
    public static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600])
        else { throw DonorError("cannot write '\(temporary.path)'") }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            throw DonorError("cannot replace '\(url.path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Encodes `value` as pretty JSON and writes it atomically.
    public static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(try encoder.encode(value), to: url)
    }

    /// Decodes the JSON file at `url`; `nil` if it does not exist.
    public static func readJSON<T: Decodable>(_ type: T.Type, from url: URL) throws -> T? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw DonorError("'\(url.path)' is damaged: \(error)")
        }
    }
}
