import BorgCore
import Crypto
import Foundation

/// A donor account as stored.
public struct DonorRecord: Sendable, Equatable {
    public let id: DonorID
    public let name: String
}

/// A host as the coordinator needs it on every request.
public struct HostRecord: Sendable, Equatable {
    public let id: HostID
    public let donorID: DonorID
    public let name: String
    public let secretHash: String
    public let platforms: [String]
    public let active: Bool
    public let consecutiveValid: Int
    public let turnaround: Double?
    /// Cores the host declared at enrollment (1 to 4096).
    public let cores: Int
}

/// Secrets (enrollment tokens, host secrets, API keys): random, shown once, stored only as SHA-256.
public enum Secret {
    /// A new random secret, 32 bytes as 64 hex characters, with a readable prefix.
    public static func make(prefix: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return prefix + HexEncoding.string(bytes)
    }

    /// What the store keeps of a secret.
    public static func hash(_ secret: String) -> String {
        HexEncoding.string(SHA256.hash(data: Data(secret.utf8)))
    }
}

extension StoreQueries {
    /// Creates a donor with a new enrollment token (returned; only its hash is kept) and a random cross-project
    /// id; `email` is kept private (BOINC's statistics export hashes it with that id).
    public func createDonor(name: String, email: String = "", now: Double) throws -> (DonorRecord, token: String) {
        guard let trimmed = DisplayName.checked(name) else {
            throw StoreError(.invalid, "donor name must be 1 to \(DisplayName.maxLength) characters on one line, not all spaces")
        }
        if try db.queryOne("SELECT id FROM donor WHERE name = ?", .text(trimmed)) != nil {
            throw StoreError(.conflict, "a donor named '\(trimmed)' already exists")
        }
        let token = Secret.make(prefix: "enroll-")
        guard email.utf8.count <= 254, email.utf8.allSatisfy({ (32..<127).contains($0) }) else {
            throw StoreError(.invalid, "donor e-mail address must be at most 254 printable ASCII characters")
        }
        let id: DonorID = try db.execute(
            "INSERT INTO donor (name, token_hash, created_at, cross_project_id, email) VALUES (?, ?, ?, ?, ?)",
            .text(trimmed), .text(Secret.hash(token)), .real(now), .text(HexEncoding.string((0..<16).map { _ in UInt8.random(in: 0...255) })), .text(email)
        ).lastInsertID.asID()
        return (DonorRecord(id: id, name: trimmed), token)
    }

    /// The donor an enrollment token belongs to.
    public func donor(token: String) throws -> DonorRecord? {
        try db.queryOne("SELECT id, name FROM donor WHERE token_hash = ?", .text(Secret.hash(token)))
            .map { DonorRecord(id: $0.id(0), name: $0.string(1)) }
    }

    public func donor(id: DonorID) throws -> DonorRecord? {
        try db.queryOne("SELECT id, name FROM donor WHERE id = ?", SQLValue(id))
            .map { DonorRecord(id: $0.id(0), name: $0.string(1)) }
    }

    public func donor(name: String) throws -> DonorRecord? {
        try db.queryOne("SELECT id, name FROM donor WHERE name = ?", .text(name))
            .map { DonorRecord(id: $0.id(0), name: $0.string(1)) }
    }

    /// Registers a host for a donor; returns its id and secret (shown once).
    public func enrollHost(donor: DonorRecord, name: String, cores: Int, platforms: [String], now: Double) throws
        -> (HostID, secret: String)
    {
        let secret = Secret.make(prefix: "host-")
        let id: HostID = try db.execute(
            "INSERT INTO host (donor_id, name, secret_hash, cores, platforms, created_at, last_contact) VALUES (?, ?, ?, ?, ?, ?, ?)",
            SQLValue(donor.id), .text(name), .text(Secret.hash(secret)), SQLValue(Int64(cores)),
            .text(platforms.joined(separator: ",")), .real(now), .real(now)
        ).lastInsertID.asID()
        return (id, secret)
    }

    public func host(_ id: HostID) throws -> HostRecord? {
        try db.queryOne(
            "SELECT id, donor_id, name, secret_hash, platforms, active, consecutive_valid, turnaround, cores FROM host WHERE id = ?",
            SQLValue(id)
        ).map {
            HostRecord(
                id: $0.id(0), donorID: $0.id(1), name: $0.string(2), secretHash: $0.string(3),
                platforms: $0.string(4).split(separator: ",").map(String.init), active: $0.bool(5),
                consecutiveValid: Int($0.int(6)), turnaround: $0.optionalDouble(7), cores: Int($0.int(8)))
        }
    }

    public func touchHost(_ id: HostID, now: Double) throws {
        try db.run("UPDATE host SET last_contact = ? WHERE id = ?", .real(now), SQLValue(id))
    }

    /// Whether the host is still part of the grid (not left, removed or revoked).
    public func hostIsActive(_ id: HostID) throws -> Bool {
        try db.queryOne("SELECT active FROM host WHERE id = ?", SQLValue(id))?.bool(0) ?? false
    }

    /// The host left the grid: it gets no more work.
    public func retireHost(_ id: HostID) throws {
        try db.run("UPDATE host SET active = 0 WHERE id = ?", SQLValue(id))
    }

    /// Creates an API key: project-scoped when `projectID` is given, else an admin key.
    public func createAPIKey(projectID: ProjectID?, now: Double, key: String = Secret.make(prefix: "key-")) throws -> String {
        try db.run(
            "INSERT INTO api_key (key_hash, project_id, created_at) VALUES (?, ?, ?)",
            .text(Secret.hash(key)), SQLValue(projectID), .real(now))
        return key
    }

    /// Revokes a donor: its enrollment token stops working and its hosts leave the grid (their tasks are
    /// reissued by the coordinator's next lifecycle pass). Returns the hosts retired; nil if no such donor.
    public func revokeDonor(name: String) throws -> [HostID]? {
        guard let donor = try donor(name: name) else { return nil }
        try db.run("UPDATE donor SET token_hash = ? WHERE id = ?", .text("revoked-" + Secret.hash(Secret.make(prefix: ""))),
                   SQLValue(donor.id))
        let hosts: [HostID] = try db.query("SELECT id FROM host WHERE donor_id = ? AND active = 1", SQLValue(donor.id)).map { $0.id(0) }
        try db.run("UPDATE host SET active = 0 WHERE donor_id = ?", SQLValue(donor.id))
        return hosts
    }

    /// Gives a donor a new enrollment token (shown once); the old one stops working. Nil if no such donor.
    public func rotateToken(donor name: String) throws -> String? {
        guard let donor = try donor(name: name) else { return nil }
        let token = Secret.make(prefix: "enroll-")
        try db.run("UPDATE donor SET token_hash = ? WHERE id = ?", .text(Secret.hash(token)), SQLValue(donor.id))
        return token
    }

    /// The API keys: id, project (nil for an admin key), creation time. The keys themselves are not stored.
    public func apiKeys() throws -> [(id: Int64, project: String?, createdAt: Double)] {
        try db.query("SELECT k.id, p.name, k.created_at FROM api_key k LEFT JOIN project p ON p.id = k.project_id ORDER BY k.id")
            .map { ($0.int(0), $0.optionalString(1), $0.double(2)) }
    }

    /// Revokes API key `id`; false if there is none.
    public func revokeAPIKey(id: Int64) throws -> Bool {
        try db.execute("DELETE FROM api_key WHERE id = ?", SQLValue(id)).rowsAffected > 0
    }

    /// What an API key may do: `.some(nil)` = admin, `.some(id)` = that project, `nil` = unknown key.
    public func apiKeyScope(_ key: String) throws -> ProjectID?? {
        guard let row = try db.queryOne("SELECT project_id FROM api_key WHERE key_hash = ?", .text(Secret.hash(key))) else {
            return nil
        }
        return .some(row.optionalID(0))
    }
}
