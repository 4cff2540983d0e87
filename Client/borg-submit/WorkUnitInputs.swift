import Foundation

/// The work units a directory of inputs describes: one per regular file, or one per sub-directory
/// (holding that work unit's input files).
struct WorkUnitInputs {
    let name: String
    let files: [URL]

    static func scan(_ path: String) throws -> [WorkUnitInputs] {
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("--inputs: '\(path)' is not a directory")
        }
        let entries = try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let units = try entries.map { entry -> WorkUnitInputs in
            if (try entry.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true {
                let files = try FileManager.default.contentsOfDirectory(at: entry, includingPropertiesForKeys: nil)
                    .filter { !$0.lastPathComponent.hasPrefix(".") }
                    .sorted { $0.lastPathComponent < $1.lastPathComponent }
                return WorkUnitInputs(name: entry.lastPathComponent, files: files)
            }
            return WorkUnitInputs(name: entry.lastPathComponent, files: [entry])
        }
        guard !units.isEmpty else { throw CLIError("--inputs: '\(path)' is empty; put one file or folder per work unit in it") }
        return units
    }
}
