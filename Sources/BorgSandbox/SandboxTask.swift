/// One run of one task: which app, in which task directory, under which limits.
public struct SandboxTask: Sendable, Equatable {
    /// The app's runtime.
    public var runtime: SandboxRuntime
    /// Path of the app file (a `.wasm` module or a native executable).
    public var app: String
    /// The task directory: the app's working directory, holding `in/` and `out/`.
    public var directory: String
    /// Arguments passed to the app after its name.
    public var arguments: [String]
    /// Resource limits.
    public var limits: TaskLimits
    /// The scheduling niceness of the run (0...19).
    public var nice: Int32
    /// Where `borg-sandbox` writes its JSON result: outside the task directory, so that the
    /// app cannot write it. Defaults to `<directory>.result.json`.
    public var resultPath: String

    /// Creates a task run; `resultPath` defaults to `<directory>.result.json`.
    public init(
        runtime: SandboxRuntime, app: String, directory: String, arguments: [String] = [],
        limits: TaskLimits = TaskLimits(), nice: Int32 = 19, resultPath: String? = nil
    ) {
        self.runtime = runtime
        self.app = app
        self.directory = directory
        self.arguments = arguments
        self.limits = limits
        self.nice = nice
        self.resultPath = resultPath ?? Self.defaultResultPath(directory)
    }

    private static func defaultResultPath(_ directory: String) -> String {
        var trimmed = Substring(directory)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed + ".result.json"
    }

    /// The `borg-sandbox run …` arguments (without the executable) that perform this run.
    public var commandLine: [String] {
        var line = ["run", "--runtime", runtime.rawValue, "--app", app, "--dir", directory, "--result", resultPath]
        line += ["--nice", String(nice)]
        if let memory = limits.memoryBytes { line += ["--memory", String(memory)] }
        if let disk = limits.diskBytes { line += ["--disk", String(disk)] }
        if let fuel = limits.fuel, runtime == .wasm { line += ["--fuel", String(fuel)] }
        if let processes = limits.processes, runtime == .native { line += ["--processes", String(processes)] }
        return line + ["--"] + arguments
    }
}
