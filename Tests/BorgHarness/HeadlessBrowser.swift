import Foundation

/// Headless Chromium (Debian's `chromium`) loading pages from a coordinator on loopback: the DOM after the
/// page loaded, and screenshots. Everything that would reach beyond loopback (updates, sync, metrics) is off.
public struct HeadlessBrowser: Sendable {
    public let executable: URL
    /// Chromium's profile directory, removed by ``remove()``.
    let profile: TemporaryDirectory

    /// The browser, or `nil` with the reason when it is not installed.
    public static func find() throws -> HeadlessBrowser? {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        return HeadlessBrowser(executable: URL(fileURLWithPath: path), profile: try TemporaryDirectory(prefix: "borg-chromium"))
    }

    var flags: [String] {
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
         "--disable-extensions", "--metrics-recording-only", "--user-data-dir=\(profile.url.path)", "--window-size=1280,1000"]
    }

    /// The document as the browser built it from `url` (its DOM serialized back to HTML).
    public func dom(of url: String) throws -> String {
        let result = try run(flags + ["--dump-dom", url])
        guard result.status == 0, !result.stdout.isEmpty else {
            throw HarnessError("chromium could not load \(url) (exit \(result.status)): \(result.stderr.suffix(400))")
        }
        return result.stdout
    }

    /// Saves a PNG of `url` as the browser shows it.
    public func screenshot(of url: String, to file: URL) throws {
        let result = try run(flags + ["--screenshot=\(file.path)", url])
        guard result.status == 0, FileManager.default.fileExists(atPath: file.path) else {
            throw HarnessError("chromium could not take a screenshot of \(url) (exit \(result.status)): \(result.stderr.suffix(400))")
        }
    }

    /// Runs the browser for at most a minute.
    func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/timeout"), ["60", executable.path] + arguments)
    }

    public func remove() { profile.remove() }
}
