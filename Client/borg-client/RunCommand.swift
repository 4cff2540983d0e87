import ArgumentParser
import BorgDonor
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Work for the grid in the foreground until SIGTERM or Ctrl-C.")

    @OptionGroup var data: DataDirectoryOption

    @Option(help: ArgumentHelp("Seconds between heartbeats.", visibility: .hidden))
    var heartbeat: Double = 30

    @Option(help: ArgumentHelp("Longest back-off in seconds while the coordinator is unreachable.", visibility: .hidden))
    var maxBackoff: Double = 60

    func run() async throws {
        try await reportingErrors {
            let directory = data.directory
            if let pid = directory.runningDaemon {
                throw DonorError("a client (pid \(pid)) is already running on '\(directory.root.path)'")
            }
            var timing = DonorDaemon.Timing()
            timing.heartbeat = heartbeat
            timing.maxBackoff = maxBackoff
            let stop = StopSignal()
            let sources = [SIGTERM, SIGINT].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "borg-client.signals"))
                source.setEventHandler { stop.stop() }
                source.resume()
                return source
            }
            signal(SIGPIPE, SIG_IGN)
            let daemon = try DonorDaemon(directory: directory, stop: stop, timing: timing) { line in
                let stamp = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
                print("\(stamp) \(line)")
                fflush(nil)
            }
            try await daemon.run()
            sources.forEach { $0.cancel() }
        }
    }
}
