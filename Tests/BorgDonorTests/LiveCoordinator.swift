import BorgAPIClient
import BorgCore
import BorgDonor
import BorgProtocol
import BorgServer
import Crypto
import Foundation
import HummingbirdTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A real coordinator (``Coordinator``) in this process, served over HTTP on a free port of 127.0.0.1
/// for one test, with helpers to enroll hosts and give them work.
struct LiveCoordinator: Sendable {
    /// Its API URL.
    let url: String
    /// A client with the admin key.
    let admin: CoordinatorClient

    /// Runs `body` against a new coordinator on a temporary data directory, removed afterwards.
    static func with(_ body: @escaping @Sendable (LiveCoordinator) async throws -> Void) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("borg-donor-coordinator-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: data) }
        let coordinator = try await Coordinator(
            configuration: CoordinatorConfiguration(dataDirectory: data, port: 0, tickInterval: .seconds(3600)))
        defer { coordinator.store.close() }
        let adminKey = try String(contentsOf: coordinator.bootstrap.adminKeyFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await coordinator.application().test(.live) { client in
            guard let port = client.port else { throw DonorError("the test coordinator did not report its port") }
            let url = "http://127.0.0.1:\(port)"
            try await body(LiveCoordinator(url: url, admin: CoordinatorClient(coordinators: [url], credential: adminKey)))
        }
    }

    /// A URL on 127.0.0.1 where nothing listens: a port the kernel handed out, closed again at once.
    static func closedPortURL() throws -> String {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw DonorError("socket: \(String(cString: strerror(errno)))") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(socketFD, socketAddress, length) == 0 && getsockname(socketFD, socketAddress, &length) == 0
            }
        }
        guard bound else { throw DonorError("bind: \(String(cString: strerror(errno)))") }
        return "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
    }

    /// Enrolls a wasm host for a new donor named after it.
    func enroll(_ name: String) async throws -> EnrollResponse {
        let donor = try await admin.createDonor(name: name)
        return try await CoordinatorClient(coordinators: [url]).enroll(
            EnrollRequest(token: donor.enrollmentToken, name: name, cores: 2, platforms: ["wasm"]))
    }

    /// Creates project `name` whose wasm app `app` is signed by `key`, one result per work unit.
    func createProject(_ name: String, app: Data, signedBy key: Curve25519.Signing.PrivateKey) async throws {
        let sha = try await admin.upload(app)
        let signature = try key.signature(for: Data(sha.utf8)).base64EncodedString()
        _ = try await admin.createProject(CreateProjectRequest(
            name: name,
            appVersions: [AppVersionSpec(platform: "wasm", sha256: sha, size: Int64(app.count), signature: signature)],
            policy: ProjectPolicy(replication: 1, quorum: 1),
            publicKey: key.publicKey.rawRepresentation.base64EncodedString()))
    }

    /// Submits one work unit of `project` whose input files are `inputs` (by name).
    func submit(to project: String, inputs: [String: Data]) async throws {
        var files: [FileRef] = []
        for (name, data) in inputs.sorted(by: { $0.key < $1.key }) {
            files.append(FileRef(name: name, sha256: try await admin.upload(data), size: Int64(data.count)))
        }
        _ = try await admin.createBatch(CreateBatchRequest(project: project, workUnits: [WorkUnitSpec(name: "wu0", inputs: files)]))
    }
}
