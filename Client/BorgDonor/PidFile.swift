import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The running daemon's `daemon.pid`, by which the CLI finds it (``DataDirectory/runningDaemon``).
enum PidFile {
    /// Writes this process's id.
    static func write(in directory: DataDirectory) throws {
        try AtomicFile.write(Data("\(getpid())\n".utf8), to: directory.pidFile)
    }

    /// Removes the file when the daemon stops.
    static func remove(from directory: DataDirectory) {
        try? FileManager.default.removeItem(at: directory.pidFile)
    }
}
