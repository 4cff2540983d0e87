import BorgCore
import BorgStore
import Foundation

/// The projects and their app versions, cached in memory for dispatch; refreshed whenever one changes.
final class ProjectCatalog: @unchecked Sendable {
    private let lock = NSLock()
    private var byID: [ProjectID: ProjectRecord] = [:]
    private var policies: [BatchID: ProjectPolicy] = [:]

    func replace(with projects: [ProjectRecord]) {
        lock.lock()
        defer { lock.unlock() }
        byID = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0) })
    }

    /// Projects with an app version for one of `platforms`, each with the version to run (first platform wins).
    func runnable(on platforms: [String]) -> [(ProjectRecord, AppVersionRecord)] {
        lock.lock()
        defer { lock.unlock() }
        return byID.values.sorted { $0.id < $1.id }.compactMap { project in
            for platform in platforms {
                if let app = project.appVersions.first(where: { $0.platform == platform }) { return (project, app) }
            }
            return nil
        }
    }

    /// The effective policy of a batch, loaded once through `load`.
    func policy(batch: BatchID, load: () throws -> ProjectPolicy?) rethrows -> ProjectPolicy? {
        lock.lock()
        if let cached = policies[batch] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        guard let policy = try load() else { return nil }
        lock.lock()
        policies[batch] = policy
        lock.unlock()
        return policy
    }
}
