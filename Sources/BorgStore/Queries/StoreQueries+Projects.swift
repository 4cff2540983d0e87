import BorgCore
import Foundation

/// An app version as stored.
public struct AppVersionRecord: Sendable, Equatable {
    public let platform: String
    public let sha256: String
    public let size: Int64
    public let signature: String

    public init(platform: String, sha256: String, size: Int64, signature: String) {
        self.platform = platform
        self.sha256 = sha256
        self.size = size
        self.signature = signature
    }
}

/// A project as stored.
public struct ProjectRecord: Sendable, Equatable {
    public let id: ProjectID
    public let name: String
    public let description: String
    public let policy: ProjectPolicy
    public let publicKey: String
    public let appVersions: [AppVersionRecord]
}

extension StoreQueries {
    /// Creates a project, or updates its description, policy and app versions if it exists.
    /// The public key, once set, cannot change (hosts pin it).
    @discardableResult
    public func saveProject(
        name: String, description: String, policy: ProjectPolicy, publicKey: String, appVersions: [AppVersionRecord], now: Double
    ) throws -> ProjectID {
        let policyText = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)
        let id: ProjectID
        if let existing = try project(name: name) {
            guard existing.publicKey.isEmpty || existing.publicKey == publicKey else {
                throw StoreError(.conflict, "project '\(name)' is signed by another key; hosts have pinned it")
            }
            id = existing.id
            try db.run("UPDATE project SET description = ?, policy = ?, public_key = ? WHERE id = ?",
                .text(description), .text(policyText), .text(publicKey), SQLValue(id))
        } else {
            id = try db.execute(
                "INSERT INTO project (name, description, policy, public_key, created_at) VALUES (?, ?, ?, ?, ?)",
                .text(name), .text(description), .text(policyText), .text(publicKey), .real(now)
            ).lastInsertID.asID()
        }
        for app in appVersions {
            try db.run(
                """
                INSERT INTO app_version (project_id, platform, sha256, size, signature) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (project_id, platform) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
                signature = excluded.signature
                """,
                SQLValue(id), .text(app.platform), .text(app.sha256), SQLValue(app.size), .text(app.signature))
        }
        return id
    }

    public func project(name: String) throws -> ProjectRecord? {
        guard let row = try db.queryOne("SELECT id FROM project WHERE name = ?", .text(name)) else { return nil }
        return try project(id: row.id(0))
    }

    public func project(id: ProjectID) throws -> ProjectRecord? {
        guard let row = try db.queryOne(
            "SELECT id, name, description, policy, public_key FROM project WHERE id = ?", SQLValue(id))
        else { return nil }
        let apps = try db.query(
            "SELECT platform, sha256, size, signature FROM app_version WHERE project_id = ? ORDER BY platform", SQLValue(id)
        ).map { AppVersionRecord(platform: $0.string(0), sha256: $0.string(1), size: $0.int(2), signature: $0.string(3)) }
        return ProjectRecord(
            id: row.id(0), name: row.string(1), description: row.string(2),
            policy: try JSONDecoder().decode(ProjectPolicy.self, from: Data(row.string(3).utf8)),
            publicKey: row.string(4), appVersions: apps)
    }

    public func projects() throws -> [ProjectRecord] {
        try db.query("SELECT id FROM project ORDER BY id").compactMap { try project(id: $0.id(0)) }
    }
}
