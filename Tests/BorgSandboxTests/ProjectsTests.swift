import BorgSandbox
import Foundation
import Testing

extension SandboxTests {
    /// The example projects end to end: manifest, committed app, work generator, sandboxed
    /// runs of every unit, and the assembly script.
    @Suite struct ProjectsTests {
        struct Project: Sendable, CustomStringConvertible {
            let name: String
            let runtime: SandboxRuntime
            let input: String
            let output: String
            let generate: [String]
            let assemble: @Sendable (_ units: String, _ results: String) -> [String]
            var description: String { name }
        }

        static let projects = [
            Project(
                name: "primes", runtime: .wasm, input: "range", output: "count",
                generate: ["--upto", "100000", "--units", "3"],
                assemble: { [$0, $1] }),
            Project(
                name: "mandelbrot", runtime: .wasm, input: "tile", output: "tile",
                generate: ["--width", "16", "--height", "8", "--tile", "8", "--maxiter", "60"],
                assemble: { [$0, $1, $1 + "/image.png"] }),
            Project(
                name: "montecarlo", runtime: .native, input: "params", output: "result",
                generate: ["--units", "2", "--samples", "20000"],
                assemble: { [$1] }),
        ]

        @Test(arguments: projects)
        func generatedUnitsRunInTheSandboxAndAssemble(project: Project) async throws {
            let manifest = try Self.manifest(project.name)
            let version = try #require((manifest["appVersions"] as? [[String: Any]])?.first)
            let app = SandboxFixtures.project("\(project.name)/\(try #require(version["file"] as? String))")
            #expect(version["platform"] as? String == (project.runtime == .wasm ? "wasm" : "native-linux-x86_64"))

            let scratch = try SandboxFixtures.taskDirectory()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let (units, results) = (scratch + "/units", scratch + "/results")
            #expect(try Self.python(project.name, "generate.py", [units] + project.generate).status == 0)

            let runner = try SandboxFixtures.runner()
            let names = try FileManager.default.contentsOfDirectory(atPath: units).sorted()
            #expect(!names.isEmpty)
            for name in names {
                let input = try String(contentsOfFile: units + "/" + name, encoding: .utf8)
                let directory = try SandboxFixtures.taskDirectory(inputs: [project.input: input])
                let task = SandboxTask(runtime: project.runtime, app: app, directory: directory)
                defer { SandboxFixtures.remove(task) }
                let result = try await runner.run(task)
                try #require(result.succeeded, "\(name): \(result)")
                try FileManager.default.createDirectory(atPath: results + "/" + name, withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    atPath: directory + "/out/" + project.output, toPath: results + "/" + name + "/" + project.output)
            }

            let assembled = try Self.python(project.name, "assemble.py", project.assemble(units, results))
            #expect(assembled.status == 0, "\(assembled.output)")
            switch project.name {
            case "primes":
                #expect(assembled.output.contains("pi(100000) = 9592"), "\(assembled.output)")
                #expect(assembled.output.contains("matches the published value"))
            case "mandelbrot":
                let png = try Data(contentsOf: URL(fileURLWithPath: results + "/image.png"))
                #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
                #expect(png[16..<24] == Data([0, 0, 0, 16, 0, 0, 0, 8]), "IHDR says 16x8")
            default:
                #expect(assembled.output.contains("samples: 40000"), "\(assembled.output)")
            }
        }

        @Test(arguments: projects)
        func manifestFollowsTheFixedFormat(project: Project) throws {
            let manifest = try Self.manifest(project.name)
            #expect(manifest["name"] as? String == project.name)
            #expect((manifest["description"] as? String)?.isEmpty == false)
            let policy = try #require(manifest["policy"] as? [String: Any])
            for key in ["replication", "quorum", "maxErrorTasks", "maxTotalTasks", "deadlineSeconds"] {
                #expect((policy[key] as? Int ?? 0) > 0, "policy.\(key)")
            }
            let validator = try #require(policy["validator"] as? [String: Any])
            #expect(validator["kind"] as? String == (project.runtime == .wasm ? "bitwise" : "fuzzy"))
            let credit = try #require(policy["credit"] as? [String: Any])
            #expect(credit["kind"] as? String == "fixed")
            #expect((credit["flopsPerWorkUnit"] as? Double ?? 0) > 0)
        }

        /// The committed WebAssembly apps are exactly what build.sh makes from the sources.
        @Test(arguments: ["primes", "mandelbrot"])
        func committedWasmAppIsRebuiltBitForBitFromItsSource(name: String) throws {
            let copy = try SandboxFixtures.taskDirectory() + "/" + name
            defer {
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: copy).deletingLastPathComponent().path)
            }
            try FileManager.default.copyItem(atPath: SandboxFixtures.project(name), toPath: copy)
            let common = URL(fileURLWithPath: copy).deletingLastPathComponent().appendingPathComponent("common").path
            try FileManager.default.copyItem(atPath: SandboxFixtures.project("common"), toPath: common)
            try FileManager.default.removeItem(atPath: copy + "/app/\(name).wasm")
            let build = Process()
            build.executableURL = URL(fileURLWithPath: copy + "/build.sh")
            try build.run()
            build.waitUntilExit()
            #expect(build.terminationStatus == 0)
            let rebuilt = try Data(contentsOf: URL(fileURLWithPath: copy + "/app/\(name).wasm"))
            let committed = try Data(
                contentsOf: URL(fileURLWithPath: SandboxFixtures.project("\(name)/app/\(name).wasm")))
            #expect(rebuilt == committed)
        }

        private static func manifest(_ name: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: SandboxFixtures.project("\(name)/manifest.json")))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        /// Runs one of a project's Python scripts; returns its exit status and combined output.
        private static func python(_ project: String, _ script: String, _ arguments: [String]) throws -> (
            status: Int32, output: String
        ) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", SandboxFixtures.project("\(project)/\(script)")] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
    }
}
