import BorgCore

/// Compact text form of a list of files, one `name<TAB>sha256<TAB>size` line each; cheaper than JSON
/// on the dispatch and report paths. Names never contain tabs or newlines (the API refuses them).
enum FileListCoding {
    static func encode(_ files: [FileDigest]) -> String {
        files.map { "\($0.name)\t\($0.sha256)\t\($0.size)" }.joined(separator: "\n")
    }

    static func decode(_ text: String) -> [FileDigest] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 3, let size = Int64(parts[2]) else { return nil }
            return FileDigest(name: String(parts[0]), sha256: String(parts[1]), size: size)
        }
    }
}
