import BorgCore
import Crypto
import Foundation

/// Content-addressed files (SHA-256) in a directory: task inputs, app executables, task outputs.
///
/// A blob is written to a temporary file and renamed into place, so a reader never sees half a file
/// and a crash leaves no corrupt blob behind.
public struct BlobStore: Sendable {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
    }

    /// Lower-case hex SHA-256 of `data`.
    public static func digest<D: DataProtocol>(_ data: D) -> String {
        HexEncoding.string(SHA256.hash(data: data))
    }

    /// Whether `sha256` is a well-formed digest (64 lower-case hex characters).
    public static func isDigest(_ sha256: String) -> Bool {
        sha256.utf8.count == 64 && sha256.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    public func url(of sha256: String) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
    }

    public func contains(_ sha256: String) -> Bool {
        Self.isDigest(sha256) && FileManager.default.fileExists(atPath: url(of: sha256).path)
    }

    /// Stores `data`, which must hash to `sha256`; returns quietly if the blob already exists.
    public func put(_ data: Data, sha256: String) throws(BlobError) {
        guard Self.isDigest(sha256) else { throw .malformedDigest(sha256) }
        let actual = Self.digest(data)
        guard actual == sha256 else { throw .digestMismatch(expected: sha256, actual: actual) }
        let target = url(of: sha256)
        if FileManager.default.fileExists(atPath: target.path) { return touch(sha256) }
        let temporary = directory.appendingPathComponent("tmp").appendingPathComponent(UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: temporary)
            if rename(temporary.path, target.path) != 0 { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .io("cannot store blob \(sha256): \(error)")
        }
    }

    /// Stores `data` under its own digest and returns the digest.
    @discardableResult
    public func put(_ data: Data) throws(BlobError) -> String {
        let sha = Self.digest(data)
        try put(data, sha256: sha)
        return sha
    }

    /// The size of a blob file, if it is here.
    public func size(of sha256: String) -> Int64? {
        guard Self.isDigest(sha256),
              let size = (try? FileManager.default.attributesOfItem(atPath: url(of: sha256).path))?[.size] as? NSNumber
        else { return nil }
        return size.int64Value
    }

    /// The blob's content, or `nil` if it is not here.
    public func read(_ sha256: String) -> Data? {
        guard Self.isDigest(sha256) else { return nil }
        return FileManager.default.contents(atPath: url(of: sha256).path)
    }
}

extension BlobStore {
    /// Marks a blob file as stored again now (its modification time), so the collection of unreferenced
    /// blobs spares it until the request that refers to it arrives.
    public func touch(_ sha256: String) {
        guard Self.isDigest(sha256) else { return }
        _ = utimes(url(of: sha256).path, nil)
    }

    /// The digests of the blob files last stored before `date`.
    public func files(storedBefore date: Date) -> [String] {
        let manager = FileManager.default
        guard let prefixes = try? manager.contentsOfDirectory(atPath: directory.path) else { return [] }
        return prefixes.filter { $0.utf8.count == 2 }.flatMap { prefix in
            ((try? manager.contentsOfDirectory(atPath: directory.appendingPathComponent(prefix).path)) ?? []).filter { sha in
                Self.isDigest(sha) && (modified(sha).map { $0 < date } ?? false)
            }
        }
    }

    /// Deletes the blob file if it was still last stored before `date`; returns whether it went.
    public func remove(_ sha256: String, storedBefore date: Date) -> Bool {
        guard Self.isDigest(sha256), let modified = modified(sha256), modified < date else { return false }
        return unlink(url(of: sha256).path) == 0
    }

    private func modified(_ sha256: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url(of: sha256).path))?[.modificationDate] as? Date
    }
}

/// Why a blob was refused.
public enum BlobError: Error, Equatable, CustomStringConvertible {
    case malformedDigest(String)
    case digestMismatch(expected: String, actual: String)
    case io(String)

    public var description: String {
        switch self {
        case .malformedDigest(let d): return "'\(d.prefix(80))' is not a SHA-256 digest (64 lower-case hex characters)"
        case .digestMismatch(let e, let a): return "content hashes to \(a), not \(e)"
        case .io(let m): return m
        }
    }
}
