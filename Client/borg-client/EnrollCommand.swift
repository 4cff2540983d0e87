import ArgumentParser
import BorgAPIClient
import BorgDonor
import BorgProtocol
import Foundation

struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll", abstract: "Register this machine with a grid and save its identity and caps.")

    @Argument(help: "The coordinator's URL, e.g. http://grid.example.org:8080 (comma-separated for several).")
    var url: String

    @Option(help: "The donor's enrollment token (from 'borg-submit donor add').")
    var token: String

    @OptionGroup var caps: CapOptions

    @OptionGroup var storage: StorageOptions

    @Option(help: "This host's name on the grid (default: the machine's host name).")
    var name: String?

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let caps = try caps.applied(to: DonorCaps())
        let storage = try storage.applied(to: nil)
        let urls = url.split(separator: ",").map(String.init)
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw DonorError("URL must start with http:// or https://, got '\(url)'")
        }
        guard !token.isEmpty else { throw DonorError("--token must not be empty") }
        let directory = data.directory
        if directory.isEnrolled {
            throw DonorError("'\(directory.root.path)' already holds an enrolled host; run 'borg-client unenroll' first or pass another --data-dir")
        }
        let hostName = name ?? ProcessInfo.processInfo.hostName
        guard !hostName.isEmpty else { throw DonorError("--name must not be empty") }

        let anonymous = CoordinatorClient(coordinators: urls, timeout: .seconds(15))
        do {
            _ = try await anonymous.health()
        } catch {
            throw DonorError("URL: cannot reach a coordinator at \(url): \(error)")
        }
        if caps.allowsNative && !DonorCaps.nativeSandboxInstalled {
            print("note: bubblewrap (bwrap) is not installed, so this host runs WebAssembly apps only until it is (Debian: apt-get install bubblewrap)")
        }
        let platforms = caps.platforms(nativeSandbox: DonorCaps.nativeSandboxInstalled)
        let enrolled: EnrollResponse
        do {
            enrolled = try await anonymous.enroll(EnrollRequest(
                token: token, name: hostName, cores: ProcessInfo.processInfo.activeProcessorCount, platforms: platforms))
        } catch let error as APIClientError where error.status == 401 || error.status == 403 || error.status == 404 {
            throw DonorError("--token: the coordinator refused the enrollment token: \(error.reason)")
        }
        let existed = FileManager.default.fileExists(atPath: directory.root.path)
        do {
            try directory.create()
            let configuration = DonorConfiguration(
                coordinators: enrolled.coordinators.isEmpty ? urls : enrolled.coordinators, hostID: enrolled.hostID,
                donorID: enrolled.donorID, donorName: enrolled.donorName, hostSecret: enrolled.hostSecret,
                name: hostName, caps: caps, storage: storage)
            try configuration.save(to: directory)
        } catch {
            if !existed { try? FileManager.default.removeItem(at: directory.root) }
            throw DonorError("--data-dir: cannot write '\(directory.root.path)': \(error)")
        }
        let lent = storage.map { ", storage \(CapParser.format(bytes: $0.capacityBytes)) served on \($0.listen)" } ?? ""
        print("Enrolled '\(hostName)' as host \(enrolled.hostID) of donor '\(enrolled.donorName)' with \(caps.summary)\(lent).")
        print("Data directory: \(directory.root.path). Start it with: borg-client run\(data.dataDir.map { " --data-dir \($0)" } ?? "")")
    }
}
