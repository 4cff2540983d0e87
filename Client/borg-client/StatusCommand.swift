import ArgumentParser
import BorgCore
import BorgDonor
import BorgProtocol
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show this host's identity, caps, daemon and tasks.")

    @OptionGroup var data: DataDirectoryOption

    @Flag(help: "Print JSON.")
    var json = false

    /// The `--json` shape.
    struct Status: Encodable {
        var dataDirectory: String
        var hostID: HostID
        var name: String
        var donor: String
        var coordinators: [String]
        var caps: DonorCaps
        var paused: Bool
        var daemonPID: Int32?
        var tasks: [String: Int]
    }

    func run() async throws {
        let directory = data.directory
        let configuration = try DonorConfiguration.load(from: directory)
        let state = try DonorState.load(from: directory)
        var counts: [String: Int] = [:]
        for task in state.tasks.values { counts[task.phase.rawValue, default: 0] += 1 }
        let status = Status(
            dataDirectory: directory.root.path, hostID: configuration.hostID, name: configuration.name,
            donor: configuration.donorName, coordinators: configuration.coordinators, caps: configuration.caps,
            paused: configuration.paused, daemonPID: directory.runningDaemon, tasks: counts)
        if json { return print(try WireJSON.pretty(status)) }
        print("host \(status.hostID) '\(status.name)' of donor '\(status.donor)' at \(status.coordinators.joined(separator: ", "))")
        print("caps: \(configuration.caps.summary)\(status.paused ? "; PAUSED" : "")")
        print("daemon: \(status.daemonPID.map { "running (pid \($0))" } ?? "not running")")
        let phases = LocalTask.Phase.allCases.map { "\(counts[$0.rawValue] ?? 0) \($0.rawValue)" }
        print("tasks: \(phases.joined(separator: ", "))")
        print("data directory: \(status.dataDirectory)")
    }
}
