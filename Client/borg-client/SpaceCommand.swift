import ArgumentParser
import BorgDonor
import BorgProtocol

struct SpaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "space", abstract: "Show the grid's storage: space available at its redundancy, what the donor stores, its quota.")

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let host = try EnrolledHost(data)
        let space = try await host.client.space(host: host.configuration.hostID)
        if json { return print(try WireJSON.pretty(space)) }
        print("""
            storage hosts online: \(space.storageHosts), redundancy \(space.redundancy ?? "none (needs 2 hosts)")
            grid capacity: \(CapParser.format(bytes: UInt64(max(0, space.capacityBytes)))), used by pieces: \(CapParser.format(bytes: UInt64(max(0, space.usedBytes))))
            available to store: \(CapParser.format(bytes: UInt64(max(0, space.availableBytes))))
            you store: \(CapParser.format(bytes: UInt64(max(0, space.donorStoredBytes)))) of your quota \(CapParser.format(bytes: UInt64(max(0, space.donorQuotaBytes)))) in \(space.files.count) file(s)
            """)
        for file in space.files {
            print("  \(file.fileID)  \(file.size) B  \(file.redundancy)  healthy pieces per segment: \(file.healthyPieces)")
        }
    }
}
