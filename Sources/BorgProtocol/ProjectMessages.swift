import BorgCore

/// An app version uploaded with a project: the executable is a blob uploaded first.
public struct AppVersionSpec: Codable, Sendable, Equatable {
    /// `wasm` or `native-<os>-<arch>`.
    public var platform: String
    public var sha256: String
    public var size: Int64
    /// Base64 Ed25519 signature of the executable's SHA-256 by the project key; empty if unsigned.
    public var signature: String

    public init(platform: String, sha256: String, size: Int64, signature: String = "") {
        self.platform = platform
        self.sha256 = sha256
        self.size = size
        self.signature = signature
    }
}

/// `POST /v1/projects` (admin): create a project, or add app versions to an existing one with the same policy.
public struct CreateProjectRequest: Codable, Sendable {
    public var name: String
    public var description: String
    public var appVersions: [AppVersionSpec]
    public var policy: ProjectPolicy
    /// Base64 Ed25519 public key that signs this project's app versions; empty if unsigned.
    public var publicKey: String

    public init(name: String, description: String = "", appVersions: [AppVersionSpec], policy: ProjectPolicy, publicKey: String = "") {
        self.name = name
        self.description = description
        self.appVersions = appVersions
        self.policy = policy
        self.publicKey = publicKey
    }
}

public struct ProjectInfo: Codable, Sendable {
    public var id: ProjectID
    public var name: String
    public var description: String
    public var policy: ProjectPolicy
    public var appVersions: [AppVersionSpec]
    public var publicKey: String

    public init(id: ProjectID, name: String, description: String, policy: ProjectPolicy, appVersions: [AppVersionSpec], publicKey: String) {
        self.id = id
        self.name = name
        self.description = description
        self.policy = policy
        self.appVersions = appVersions
        self.publicKey = publicKey
    }
}

/// `POST /v1/projects/{name}/keys` (admin): a submitter key that may use this project only.
public struct SubmitterKeyResponse: Codable, Sendable {
    public var project: String
    public var apiKey: String
    public init(project: String, apiKey: String) {
        self.project = project
        self.apiKey = apiKey
    }
}
