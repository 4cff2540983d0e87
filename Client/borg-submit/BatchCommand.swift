import ArgumentParser
import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch", abstract: "Submit and follow batches of work units.",
        subcommands: [Submit.self, Status.self, Results.self, Cancel.self])

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a batch: one work unit per file, or per sub-directory (all its files), of --inputs.")

        @OptionGroup var options: ClientOptions

        @Argument(help: "Project name.")
        var project: String

        @Option(help: "Directory of inputs.")
        var inputs: String

        @Option(help: "Override the project's replication for this batch.")
        var replication: Int?

        @Option(help: "Override the project's quorum for this batch.")
        var quorum: Int?

        @Option(help: "Override the project's deadline (seconds) for this batch.")
        var deadline: Double?

        @Flag(help: "Print only the batch ids, one per line.")
        var quiet = false

        func run() async throws {
            let client = try options.client()
            let units = try WorkUnitInputs.scan(inputs)
            var specs: [WorkUnitSpec] = []
            var uploaded = 0
            let totalFiles = units.reduce(0) { $0 + $1.files.count }
            for unit in units {
                var refs: [FileRef] = []
                for file in unit.files {
                    guard let data = FileManager.default.contents(atPath: file.path) else {
                        throw CLIError("--inputs: cannot read '\(file.path)'")
                    }
                    let sha = try await client.upload(data)
                    refs.append(FileRef(name: file.lastPathComponent, sha256: sha, size: Int64(data.count)))
                    uploaded += 1
                    if !quiet && (uploaded % 100 == 0 || uploaded == totalFiles) {
                        FileHandle.standardError.write(Data("\ruploading inputs \(uploaded)/\(totalFiles)".utf8))
                    }
                }
                specs.append(WorkUnitSpec(name: unit.name, inputs: refs))
            }
            if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
            let override = PolicyOverride(replication: replication, quorum: quorum, deadlineSeconds: deadline)
            // A batch creates at most APILimits.maxTasksPerBatch tasks; more work units go in several batches.
            var copies = replication ?? 0
            if replication == nil { copies = try await client.project(named: project).policy.replication }
            let perBatch = max(1, APILimits.maxTasksPerBatch / max(1, copies))
            var batches: [CreateBatchResponse] = []
            for start in stride(from: 0, to: specs.count, by: perBatch) {
                let chunk = Array(specs[start..<min(specs.count, start + perBatch)])
                batches.append(try await client.createBatch(CreateBatchRequest(project: project, workUnits: chunk, policy: override)))
            }
            if quiet { return batches.forEach { print($0.batchID) } }
            for batch in batches { print("Batch \(batch.batchID): \(batch.workUnits) work units of '\(project)'.") }
            if batches.count > 1 {
                print("\(specs.count) work units were split into \(batches.count) batches of at most \(perBatch) (\(APILimits.maxTasksPerBatch) tasks each).")
            }
            print("Follow with: " + batches.map { "borg-submit batch status \($0.batchID) --watch" }.joined(separator: "; "))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a batch's progress.")

        @OptionGroup var options: ClientOptions

        @Argument(help: "Batch id.")
        var id: BatchID

        @Flag(help: "Keep watching until the batch ends, with a progress bar.")
        var watch = false

        @Flag(help: "Print JSON.")
        var json = false

        @Option(help: "Seconds between updates while watching.")
        var interval = 1.0

        func run() async throws {
            let client = try options.client()
            var bar = ProgressBar()
            while true {
                let status = try await client.batchStatus(id)
                if json && !watch { return print(try WireJSON.pretty(status)) }
                if watch {
                    bar.show(status)
                    if status.state != .active {
                        bar.finish(status)
                        if json { print(try WireJSON.pretty(status)) }
                        return
                    }
                    try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                } else {
                    print(ProgressBar.summary(status))
                    return
                }
            }
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download canonical outputs into --out/<work unit>/ and write --out/manifest.json.")

        @OptionGroup var options: ClientOptions

        @Argument(help: "Batch id.")
        var id: BatchID

        @Option(help: "Directory to write results into (created).")
        var out: String

        @Flag(help: "Do not mark a finished batch collected (by default the coordinator may then purge its outputs after its retention time).")
        var keep = false

        func run() async throws {
            let client = try options.client()
            let results = try await client.batchResults(id)
            let root = URL(fileURLWithPath: out)
            do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
                throw CLIError("--out: cannot create '\(out)': \(error.localizedDescription)")
            }
            var written = 0
            for unit in results.workUnits where unit.status == .completed {
                let dir = root.appendingPathComponent(unit.name)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for file in unit.outputs {
                    let data = try await client.download(file.sha256)
                    try data.write(to: dir.appendingPathComponent(file.name))
                }
                written += 1
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: root.appendingPathComponent("manifest.json"))
            let failed = results.workUnits.filter { $0.status == .failed }
            print("Wrote \(written) of \(results.workUnits.count) work units' outputs to \(root.path) (manifest.json lists who agreed).")
            for unit in failed.prefix(10) { print("  failed: \(unit.name): \(unit.errorReason ?? "?")") }
            guard results.batch.state != .active, !keep else { return }
            _ = try await client.markCollected(id)
            print("Marked batch \(id) collected: the grid will purge its outputs after its retention time (--keep to leave them).")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a batch's unfinished work units.")

        @OptionGroup var options: ClientOptions

        @Argument(help: "Batch id.")
        var id: BatchID

        func run() async throws {
            let client = try options.client()
            let status = try await client.cancelBatch(id)
            print("Batch \(id) \(status.state.rawValue): \(status.completed) completed, \(status.cancelled) cancelled.")
        }
    }
}
