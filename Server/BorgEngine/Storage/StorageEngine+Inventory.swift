import BorgCore
import BorgProtocol
import BorgStorage
import BorgStore

extension StorageEngine {
    /// Which of the pieces a host lists no file of the grid places on it: pieces the grid moved away, collected
    /// while an order for them was still valid and put back, or of a grid the host served before. A read: a
    /// transfer under way may not be recorded yet, so the host deletes only what it has held longer than the
    /// transfer window.
    public func inventory(host: HostRecord, _ inventory: PieceInventory) async throws -> PieceInventoryAnswer {
        guard inventory.pieces.count <= PieceInventory.limit else {
            throw EngineError.invalid("an inventory lists at most \(PieceInventory.limit) pieces; send more requests")
        }
        let listed = try inventory.pieces.enumerated().map { position, name in
            do { return try PieceID(parsing: name) } catch { throw EngineError.invalid("pieces[\(position)]: \(error)") }
        }
        // File ids were parsed as 32 lowercase hex characters: safe inside the JSON array.
        let placed = try await store.read { q in try q.pieceNames(host: host.id, files: Set(listed.map(\.fileID))) }
        let unknown = listed.filter { !placed.contains($0.description) }
        return PieceInventoryAnswer(unknown: unknown.map(\.description), graceSeconds: policy.transferWindow)
    }
}
