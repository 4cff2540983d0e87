import BorgCore
import BorgProtocol
import Foundation

extension CoordinatorClient {
    /// Offers (or updates) the host's storage donation; answers with the keys orders are signed with.
    public func registerStorage(host: HostID, _ offer: StorageRegistration) async throws -> StorageRegistrationResponse {
        try await call(.POST, "/v1/hosts/\(host)/storage", offer)
    }

    /// Lists pieces the host holds; answers those no file of the grid places there.
    public func checkInventory(host: HostID, _ inventory: PieceInventory) async throws -> PieceInventoryAnswer {
        try await call(.POST, "/v1/hosts/\(host)/storage/inventory", inventory)
    }

    /// Plans an upload of a file of the host's donor.
    public func createFile(host: HostID, _ request: CreateFileRequest) async throws -> FileLayout {
        try await call(.POST, "/v1/hosts/\(host)/files", request)
    }

    /// Records what the upload stored.
    public func commitFile(host: HostID, file: String, _ request: CommitFileRequest) async throws -> FileInfo {
        try await call(.POST, "/v1/hosts/\(host)/files/\(file)/commit", request)
    }

    /// Places again the pieces of an upload's short segments; answers only those, with orders.
    public func refillFile(host: HostID, file: String, _ request: RefillRequest) async throws -> FileLayout {
        try await call(.POST, "/v1/hosts/\(host)/files/\(file)/refill", request)
    }

    /// Where the file's pieces are, with orders to read them.
    public func fileLocation(host: HostID, file: String) async throws -> FileLayout {
        try await call(.GET, "/v1/hosts/\(host)/files/\(file)")
    }

    /// Reports pieces of a file that a read found damaged; the coordinator audits them first.
    public func reportDamaged(host: HostID, file: String, _ report: DamagedPiecesReport) async throws -> DamagedPiecesReceipt {
        try await call(.POST, "/v1/hosts/\(host)/files/\(file)/damaged", report)
    }

    /// The donor's files.
    public func files(host: HostID) async throws -> [FileInfo] {
        try await call(.GET, "/v1/hosts/\(host)/files")
    }

    public func deleteFile(host: HostID, file: String) async throws -> FileInfo {
        try await call(.DELETE, "/v1/hosts/\(host)/files/\(file)")
    }

    public func space(host: HostID) async throws -> StorageSpace {
        try await call(.GET, "/v1/hosts/\(host)/space")
    }

    /// The grid's storage (admin key).
    public func storageStatus() async throws -> StorageStatus {
        try await call(.GET, "/v1/storage")
    }
}
