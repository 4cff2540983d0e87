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

    @Option(help: ArgumentHelp("Seconds between the storage host's inventories with the coordinator.", visibility: .hidden))
    var inventoryInterval: Double = 3_600

    /// The exit code when no host is enrolled (sysexits' EX_CONFIG): the systemd unit does not restart on it.
    static let notEnrolled: Int32 = 78

    func run() async throws {
        let directory = data.directory
        guard directory.isEnrolled else {
            FileHandle.standardError.write(Data("Error: no host is enrolled in '\(directory.root.path)'; run 'borg-client enroll URL --token TOKEN' first (or pass --data-dir)\n".utf8))
            throw ExitCode(Self.notEnrolled)
        }
        if let pid = directory.runningDaemon {
            throw DonorError("a client (pid \(pid)) is already running on '\(directory.root.path)'")
        }
        var timing = DonorDaemon.Timing()
        timing.heartbeat = heartbeat
        timing.maxBackoff = maxBackoff
        timing.inventory = inventoryInterval
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
            print("\(Self.clockTime()) \(line)")
            fflush(nil)
        }
        try await daemon.run()
        sources.forEach { $0.cancel() }
    }

    /// The local time as HH:MM:SS, formatted by the C library: Foundation's date formatting loads ICU,
    /// which would be most of an idle daemon's memory beyond its code.
    static func clockTime() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 16)
        let length = strftime(&buffer, buffer.count, "%H:%M:%S", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
