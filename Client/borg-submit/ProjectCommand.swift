import ArgumentParser
import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Define projects.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or update a project from its manifest (admin key).")

        @OptionGroup var options: ClientOptions

        @Option(help: "The project's manifest.json.")
        var manifest: String

        @Option(name: .customLong("signing-key"), help: "Sign every app file with this private key (from 'keys create').")
        var signingKey: String?

        func run() async throws {
            let client = try options.client()
            let spec = try ProjectManifest.load(manifest)
            let signer = try signingKey.map { try SigningKey(file: $0) }
            let base = URL(fileURLWithPath: manifest).deletingLastPathComponent()
            var apps: [AppVersionSpec] = []
            for app in spec.appVersions {
                let url = base.appendingPathComponent(app.file)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw CLIError("--manifest: app file '\(url.path)' for \(app.platform) cannot be read")
                }
                let sha = try await client.upload(data)
                let signature = try signer?.sign(sha256: sha) ?? app.signature ?? ""
                apps.append(AppVersionSpec(platform: app.platform, sha256: sha, size: Int64(data.count), signature: signature))
            }
            let project = try await client.createProject(CreateProjectRequest(
                name: spec.name, description: spec.description ?? "", appVersions: apps,
                policy: spec.policy ?? ProjectPolicy(), publicKey: signer?.publicKey ?? spec.publicKey ?? ""))
            print("Project '\(project.name)' ready (id \(project.id)): " +
                "\(project.appVersions.map(\.platform).joined(separator: ", ")), replication \(project.policy.replication), quorum \(project.policy.quorum).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")

        @OptionGroup var options: ClientOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let client = try options.client()
            let projects = try await client.projects()
            if json { return print(try WireJSON.pretty(projects)) }
            for p in projects {
                print("\(p.name)\t\(p.appVersions.map(\.platform).joined(separator: ","))\treplication \(p.policy.replication) quorum \(p.policy.quorum)\t\(p.description)")
            }
        }
    }
}

struct DonorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "donor", abstract: "Manage donors (admin key).", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a donor and print its enrollment token.")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The donor's name.")
        var name: String

        @Option(help: "The donor's e-mail address: private, used only for BOINC's cross-project id in the statistics export.")
        var email: String?

        @Flag(help: "Print only the token.")
        var quiet = false

        func run() async throws {
            let client = try options.client()
            let donor = try await client.createDonor(name: name, email: email)
            print(quiet ? donor.enrollmentToken : "Donor '\(donor.name)' (id \(donor.donorID)); enrollment token: \(donor.enrollmentToken)")
        }
    }
}
