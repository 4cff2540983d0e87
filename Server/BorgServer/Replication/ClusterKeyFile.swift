import BorgCluster
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `DATA/cluster/link-key.pem` (mode 0600): the cluster link's private key, derived from the cluster secret and
/// written on every start, so that administration on a member's data directory (`borg-server donor add`)
/// reaches the grid's database without the secret.
enum ClusterKeyFile {
    static func url(in clusterDirectory: URL) -> URL {
        clusterDirectory.appendingPathComponent("link-key.pem")
    }

    /// Writes the key, readable by this user only from the moment the file exists.
    static func write(_ credentials: ClusterCredentials, in clusterDirectory: URL) throws {
        let path = url(in: clusterDirectory).path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ClusterFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(credentials.privateKeyPEM.utf8)
        guard fchmod(fd, 0o600) == 0, Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw ClusterFailure("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The credentials of the key a member's data directory holds.
    static func read(in clusterDirectory: URL) throws -> ClusterCredentials {
        let file = url(in: clusterDirectory)
        guard let pem = try? String(contentsOf: file, encoding: .utf8) else {
            throw ClusterFailure("cannot read \(file.path), the grid's link key; start this coordinator once to write it")
        }
        return try ClusterCredentials(privateKeyPEM: pem)
    }
}
