import ArgumentParser
import BorgHarness
import Foundation

/// `borg-bench runtimes`: the same kernel (the primes project's segmented sieve) run by `borg-sandbox`
/// as WebAssembly in WasmKit and as a native executable built from the same source with the system C
/// compiler (`-O2`), on the same range. The native run is the baseline; the ratio is WebAssembly CPU
/// time over native CPU time (WasmKit's bound: 3–10×).
struct RuntimeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtimes", abstract: "WebAssembly (WasmKit) vs native on the same kernel, through borg-sandbox.")

    @Option(help: "Count the primes below this number.")
    var upto = 200_000_000

    /// The repository's primes project.
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Projects/primes")

    func run() async throws {
        let directory = try TemporaryDirectory(prefix: "borg-bench-runtimes")
        defer { directory.remove() }
        let built = try CommandRunner.run(URL(fileURLWithPath: "/bin/sh"),
            [Self.project.appendingPathComponent("build.sh").path, "native", directory.url.path])
        guard built.status == 0 else { throw HarnessError("building the native primes app failed: \(built.stderr)") }
        let native = try measure(runtime: "native", app: directory.url.appendingPathComponent("primes-native"), in: directory.url)
        let wasm = try measure(runtime: "wasm", app: Self.project.appendingPathComponent("app/primes.wasm"), in: directory.url)
        guard native.count == wasm.count else {
            throw HarnessError("the runtimes disagree: native counted \(native.count), wasm \(wasm.count)")
        }
        print(String(format: "primes below %d = %@ in both runtimes", upto, native.count))
        print(String(format: "baseline, native (cc -O2): %.2f s CPU", native.cpu))
        print(String(format: "wasm (WasmKit): %.2f s CPU, %.0f fuel", wasm.cpu, wasm.fuel))
        print(String(format: "ratio wasm / native: %.2f× (WasmKit's bound: 3–10×)", wasm.cpu / native.cpu))
    }

    /// Runs the app on the range in a fresh task directory; returns its count, CPU seconds and fuel.
    func measure(runtime: String, app: URL, in directory: URL) throws -> (count: String, cpu: Double, fuel: Double) {
        let task = directory.appendingPathComponent("task-\(runtime)")
        try FileManager.default.createDirectory(at: task.appendingPathComponent("in"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: task.appendingPathComponent("out"), withIntermediateDirectories: true)
        try Data("0 \(upto) \(upto)\n".utf8).write(to: task.appendingPathComponent("in/range"))
        let result = task.appendingPathComponent("result.json")
        let ran = try CommandRunner.run(BuildProducts.executable("borg-sandbox"), [
            "run", "--runtime", runtime, "--app", app.path, "--dir", task.path, "--result", result.path, "--nice", "0",
        ])
        guard ran.status == 0 else { throw HarnessError("\(runtime) run failed: \(ran.stderr)") }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: result)) as? [String: Any] ?? [:]
        let count = try String(contentsOf: task.appendingPathComponent("out/count"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (count, json["cpuSeconds"] as? Double ?? 0, (json["fuelUsed"] as? NSNumber)?.doubleValue ?? 0)
    }
}
