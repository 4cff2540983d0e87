import ArgumentParser
import BorgAPIClient
import BorgCore
import BorgDonor
import BorgProtocol
import BorgStorage
import Foundation

/// `borg-client files …`: store files on the grid's donated disks, encrypted on this machine.
struct FilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "Store, fetch, list and delete files on the grid's donated storage.",
        subcommands: [FilesPutCommand.self, FilesGetCommand.self, FilesListCommand.self, FilesRemoveCommand.self])
}

/// The enrolled host's identity and a client of its coordinators.
struct EnrolledHost {
    let directory: DataDirectory
    let configuration: DonorConfiguration
    let client: CoordinatorClient

    init(_ data: DataDirectoryOption) throws {
        directory = data.directory
        configuration = try DonorConfiguration.load(from: directory)
        client = CoordinatorClient(coordinators: configuration.coordinators, credential: configuration.hostSecret)
    }
}

struct FilesPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Encrypt a file, code it into pieces and store them on the grid; prints its read-cap.")

    @Argument(help: "The file to store.")
    var path: String

    @Option(help: "The name to list it under (default: the file's name).")
    var name: String?

    @Option(help: "Data and parity pieces per segment, K+M, e.g. 4+2 (default: the grid's, from its number of storage hosts).")
    var redundancy: String?

    @Option(name: .customLong("segment-size"),
            help: "Plaintext bytes per segment, 4KiB to 16MiB (default 1MiB, larger for files past about 4 GiB).")
    var segmentSize: String?

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let host = try EnrolledHost(data)
        let url = URL(fileURLWithPath: path)
        let chosen: Redundancy?
        do { chosen = try redundancy.map { try Redundancy(parsing: $0) } } catch { throw ValidationError("--redundancy: \(error)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int64) ?? 0
        let segment: UInt64
        if let segmentSize {
            guard let parsed = ByteCount.parse(segmentSize), (4 << 10...16 << 20).contains(parsed) else {
                throw ValidationError("--segment-size must be from 4KiB to 16MiB, got '\(segmentSize)'")
            }
            segment = parsed
        } else {
            segment = Self.segmentSize(for: size, pieces: chosen?.totalPieces ?? 6)
        }
        let fileName = name ?? url.lastPathComponent
        let (cap, info, placedAgain) = try await FileUploader(coordinator: host.client, host: host.configuration.hostID)
            .put(url, name: fileName, redundancy: chosen, segmentSize: Int(segment), progress: TransferProgress("put \(fileName)", total: size))
        print(cap.description)
        do {
            try FileKeyring(host.directory).add(.init(name: fileName, cap: cap.description, size: info.size, storedAt: info.createdAt))
        } catch {
            throw DonorError("the file is stored, but its read-cap (printed above) could not be saved in the keyring: \(error); keep the cap")
        }
        if placedAgain > 0 {
            FileHandle.standardError.write(Data(
                "\(placedAgain) piece(s) went to other hosts than planned: theirs failed, refused or left during the put\n".utf8))
        }
        FileHandle.standardError.write(Data(
            "stored '\(fileName)' (\(info.size) bytes) at \(info.redundancy); keep the read-cap above: it is the only key to the file (a copy is in \(FileKeyring(host.directory).url.path))\n".utf8))
    }
}

extension FilesPutCommand {
    /// 1 MiB, doubled (up to 16 MiB) until the file's pieces fit the API's limit per file.
    static func segmentSize(for size: Int64, pieces: Int) -> UInt64 {
        var segment: Int64 = 1 << 20
        while segment < 16 << 20, (size + segment - 1) / segment * Int64(pieces) > Int64(APILimits.maxPiecesPerFile) { segment *= 2 }
        return UInt64(segment)
    }
}

struct FilesGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Fetch a stored file by name or read-cap.")

    @Argument(help: "The file's name (as stored from this machine) or its read-cap (borg-read:…).")
    var file: String

    @Option(help: "Where to write it.")
    var out: String

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let host = try EnrolledHost(data)
        let cap = try FileKeyring(host.directory).cap(for: file)
        let destination = URL(fileURLWithPath: out)
        let outcome = try await FileDownloader(coordinator: host.client, host: host.configuration.hostID)
            .get(cap, to: destination) { size in TransferProgress("get \(file.prefix(40))", total: size) }
        if !outcome.damaged.isEmpty {
            let pieces = outcome.damaged.map(\.description).joined(separator: ", ")
            let next = outcome.reported ? "reported to the coordinator, which audits them first and rebuilds what fails"
                : "the coordinator could not be told; its audits will find them"
            FileHandle.standardError.write(Data("warning: \(outcome.damaged.count) damaged piece(s) skipped and read elsewhere (\(pieces)): \(next)\n".utf8))
        }
        FileHandle.standardError.write(Data("wrote \(outcome.size) bytes to \(destination.path)\n".utf8))
    }
}

struct FilesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the donor's stored files and their health.")

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var data: DataDirectoryOption

    /// A listed file with its name opened where this machine has its key.
    struct Listed: Encodable {
        var name: String?
        var file: FileInfo
    }

    func run() async throws {
        let host = try EnrolledHost(data)
        let files = try await host.client.files(host: host.configuration.hostID)
        let known = try FileKeyring(host.directory).byFileID()
        let listed = files.map { info in
            Listed(name: known[info.fileID].flatMap { try? SegmentCipher.openName(info.sealedName, key: $0.cap.key) }, file: info)
        }
        if json { return print(try WireJSON.pretty(listed)) }
        if listed.isEmpty { return print("no files stored; store one with 'borg-client files put PATH'") }
        for item in listed {
            let k = Int(item.file.redundancy.split(separator: "+").first ?? "") ?? 1
            let health = item.file.healthyPieces >= k ? "\(item.file.healthyPieces) pieces/segment" : "UNREADABLE until hosts return"
            print("\(item.name ?? "(name sealed; its read-cap is not on this machine)")  \(item.file.size) B  \(item.file.redundancy)  \(health)  \(item.file.fileID)")
        }
    }
}

struct FilesRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a stored file; its pieces are collected from the hosts.")

    @Argument(help: "The file's name (as stored from this machine), read-cap or file id.")
    var file: String

    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let host = try EnrolledHost(data)
        let keyring = FileKeyring(host.directory)
        let fileID = ReadCap.isFileID(file) ? file : try keyring.cap(for: file).fileID
        _ = try await host.client.deleteFile(host: host.configuration.hostID, file: fileID)
        try keyring.remove(fileID: fileID)
        print("deleted \(file)")
    }
}
