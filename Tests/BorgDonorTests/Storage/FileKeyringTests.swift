import BorgDonor
import BorgStorage
import Foundation
import Testing

/// The keyring of read-caps: the only keys to the files a machine stored.
struct FileKeyringTests {
    @Test func concurrentPutsKeepEveryCap() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("borg-keyring-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let keyring = FileKeyring(DataDirectory(root.path))
        let caps = (0..<24).map { _ in ReadCap(fileID: ReadCap.newFileID(), key: FileKey.random()) }
        // Each add reads, changes and replaces the file: without the lock, concurrent adds lose entries.
        DispatchQueue.concurrentPerform(iterations: caps.count) { index in
            try? keyring.add(.init(name: "f\(index)", cap: caps[index].description, size: Int64(index), storedAt: 0))
        }
        #expect(Set(try keyring.entries().map(\.cap)) == Set(caps.map(\.description)))
        try keyring.remove(fileID: caps[3].fileID)
        #expect(try keyring.entries().count == caps.count - 1)
        #expect(try keyring.cap(for: "f5") == caps[5])
        #expect(throws: DonorError.self) { try keyring.cap(for: "f3") }
    }
}
