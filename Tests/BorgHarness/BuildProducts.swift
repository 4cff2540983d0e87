import Foundation

/// Where the package's executables were built: beside the running test runner or benchmark.
public enum BuildProducts {
    public static var directory: URL {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // A test bundle on Linux is `<dir>/<name>.xctest`, itself the executable.
        if url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
        return url
    }

    /// The built executable `name` (e.g. `borg-server`).
    public static func executable(_ name: String) -> URL { directory.appendingPathComponent(name) }
}
