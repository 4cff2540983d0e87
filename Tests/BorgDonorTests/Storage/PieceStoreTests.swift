import BorgDonor
import BorgStorage
import Foundation
import Synchronization
import Testing

struct PieceStoreTests {
    /// Stores `bytes` as `piece` with their true hash.
    private func put(_ store: PieceStore, _ piece: PieceID, _ bytes: Data) throws {
        try store.put(piece, bytes: bytes, sha256: PieceFixture.sha256(bytes))
    }

    @Test func aReopenedStoreCountsWhatIsThereAndSkipsTheRest() throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        let pieces = [
            PieceFixture.piece(0), PieceFixture.piece(1), PieceFixture.piece(0, segment: 12, fileID: String(repeating: "a", count: 32)),
        ]
        for (number, piece) in pieces.enumerated() { try put(fixture.store, piece, PieceFixture.bytes(1000 * (number + 1))) }
        let directory = fixture.store.directory
        let fileDirectory = directory.appendingPathComponent(PieceFixture.fileID)
        // What is not a piece: a note, a badly named file, a directory that is no file id, a temporary
        // file an interrupted put left.
        try Data("note".utf8).write(to: directory.appendingPathComponent("README"))
        try Data("x".utf8).write(to: fileDirectory.appendingPathComponent("01.1"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("lost+found"), withIntermediateDirectories: true)
        try Data(count: 50).write(to: directory.appendingPathComponent("lost+found/0.0"))
        try Data(count: 70).write(to: fileDirectory.appendingPathComponent(".0.5.123.tmp"))

        let reopened = try PieceStore(directory: directory, capacity: 10_000)
        #expect(reopened.usedBytes == 6000)
        #expect(reopened.pieceCount == 3)
        #expect(Set(reopened.pieces()) == Set(pieces))
        #expect(try Data(reopened.get(pieces[2]).readableBytesView) == PieceFixture.bytes(3000))
        #expect(!FileManager.default.fileExists(atPath: fileDirectory.appendingPathComponent(".0.5.123.tmp").path))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("README").path))
    }

    @Test func aPrefetchStartsReadingPiecesFromTheDisk() async throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        let piece = PieceFixture.piece(0)
        try put(fixture.store, piece, PieceFixture.bytes(1 << 20))
        let path = fixture.store.directory.appendingPathComponent("\(PieceFixture.fileID)/0.0").path
        /// Pages of the piece's file in the page cache, and all its pages.
        func cached() throws -> (resident: Int, pages: Int) {
            let fd = open(path, O_RDONLY)
            try #require(fd >= 0)
            defer { close(fd) }
            let size = 1 << 20
            let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            let pages = (size + pageSize - 1) / pageSize
            let mapping = try #require(mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0))
            defer { munmap(mapping, size) }
            var flags = [UInt8](repeating: 0, count: pages)
            try #require(mincore(mapping, size, &flags) == 0)
            return (flags.filter { $0 & 1 != 0 }.count, pages)
        }
        // Out of the page cache (written back first), as after a reboot or a day without reads.
        let fd = open(path, O_RDONLY)
        fsync(fd)
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        close(fd)
        let before = try cached()
        try #require(before.resident < before.pages, "the page cache kept the piece (a file system without one?)")
        // A piece not held and one that is: the first is skipped, the second read in without anyone waiting.
        fixture.store.prefetch([PieceFixture.piece(1), piece])
        let deadline = ContinuousClock.now + .seconds(10)
        while try cached().resident < before.pages, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try cached().resident == before.pages, "the piece was not read into the page cache")
        #expect(try Data(fixture.store.get(piece).readableBytesView) == PieceFixture.bytes(1 << 20))
    }

    @Test func aStoredPieceIsNeverReplaced() throws {
        let fixture = try PieceFixture(capacity: 1500)
        defer { fixture.remove() }
        let piece = PieceFixture.piece(0)
        try put(fixture.store, piece, PieceFixture.bytes(1000))
        // Sent again with the same bytes (a retry): kept, counted once.
        try put(fixture.store, piece, PieceFixture.bytes(1000))
        #expect(fixture.store.usedBytes == 1000)
        #expect(throws: PieceStoreError.conflict(piece.description)) { try put(fixture.store, piece, PieceFixture.bytes(400, seed: 2)) }
        #expect(throws: PieceStoreError.conflict(piece.description)) {
            try fixture.store.put([(PieceFixture.piece(1), PieceFixture.bytes(10), PieceFixture.sha256(PieceFixture.bytes(10))),
                                   (piece, PieceFixture.bytes(10), PieceFixture.sha256(PieceFixture.bytes(10)))])
        }
        #expect(fixture.store.pieces() == [piece], "a batch with a conflicting piece stores none of its pieces")
        #expect(fixture.store.usedBytes == 1000)
        #expect(try Data(fixture.store.get(piece).readableBytesView) == PieceFixture.bytes(1000))
        #expect(try PieceStore(directory: fixture.store.directory, capacity: 1500).usedBytes == 1000)
        // Put when replacing is allowed, it takes the new bytes, counted instead of the old.
        let new = PieceFixture.bytes(1400, seed: 3)
        try fixture.store.put(piece, bytes: new, sha256: PieceFixture.sha256(new), replacing: true)
        #expect(try Data(fixture.store.get(piece).readableBytesView) == new)
        #expect(fixture.store.usedBytes == 1400)
        #expect(try PieceStore(directory: fixture.store.directory, capacity: 1500).usedBytes == 1400)
    }

    @Test func aWrongHashStoresNothing() throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        let piece = PieceFixture.piece(0)
        let bytes = PieceFixture.bytes(100)
        #expect(throws: PieceStoreError.mismatch(piece.description)) {
            try fixture.store.put(piece, bytes: bytes, sha256: PieceFixture.sha256(PieceFixture.bytes(100, seed: 2)))
        }
        #expect(throws: PieceStoreError.mismatch(piece.description)) {
            try fixture.store.put(piece, bytes: bytes, sha256: "")
        }
        #expect(fixture.store.pieces().isEmpty && fixture.store.usedBytes == 0)
        #expect(fixture.filesOnDisk().isEmpty)
    }

    @Test func theCapacityIsNeverPassed() throws {
        let fixture = try PieceFixture(capacity: 2500)
        defer { fixture.remove() }
        try put(fixture.store, PieceFixture.piece(0), PieceFixture.bytes(1000))
        try put(fixture.store, PieceFixture.piece(1), PieceFixture.bytes(1000))
        #expect(throws: PieceStoreError.full(needed: 1000, used: 2000, capacity: 2500)) {
            try put(fixture.store, PieceFixture.piece(2), PieceFixture.bytes(1000))
        }
        try put(fixture.store, PieceFixture.piece(2), PieceFixture.bytes(500))
        #expect(fixture.store.usedBytes == 2500)
        fixture.store.setCapacity(1000)
        #expect(throws: PieceStoreError.full(needed: 0, used: 2500, capacity: 1000)) {
            try put(fixture.store, PieceFixture.piece(3), Data())
        }
        #expect(try fixture.store.delete(PieceFixture.piece(0)))
        #expect(try fixture.store.delete(PieceFixture.piece(1)))
        #expect(try !fixture.store.delete(PieceFixture.piece(1)))
        try put(fixture.store, PieceFixture.piece(3), PieceFixture.bytes(500))
        #expect(fixture.store.usedBytes == 1000)
        #expect(fixture.filesOnDisk().count == 2)
    }

    @Test func theDisksOwnerKeepsTheMinimumFreeSpace() throws {
        // More free space kept than any disk has: every piece is refused, under the cap or not.
        let fixture = try PieceFixture(capacity: 1 << 30, minimumFreeBytes: 1 << 60)
        defer { fixture.remove() }
        #expect {
            try put(fixture.store, PieceFixture.piece(0), PieceFixture.bytes(10))
        } throws: { error in
            guard case .diskNearlyFull(needed: 10, _, keeping: 1 << 60) = error as? PieceStoreError else { return false }
            return "\(error)".contains("nearly full")
        }
        #expect(fixture.store.usedBytes == 0 && fixture.filesOnDisk().isEmpty)
    }

    @Test func piecesBeingWrittenCountAgainstTheFreeSpaceKept() throws {
        // Room above the space kept for two pieces minus 24 KiB: one fits, a batch of both does not, though
        // each would alone (before a byte of them is written, the disk's free space has not changed). The
        // disk's free space is fixed here: other tests write to the same disk meanwhile.
        let piece = 48 << 10
        let kept: Int64 = 1 << 30
        let fixture = try PieceFixture(capacity: 1 << 40, minimumFreeBytes: kept, freeBytes: { _ in kept + Int64(2 * piece - (24 << 10)) })
        defer { fixture.remove() }
        let bytes = Data(repeating: 7, count: piece)
        let digest = PieceFixture.sha256(bytes)
        #expect {
            try fixture.store.put([(PieceFixture.piece(0), bytes, digest), (PieceFixture.piece(1), bytes, digest)])
        } throws: { error in
            guard case .diskNearlyFull = error as? PieceStoreError else { return false }
            return true
        }
        #expect(fixture.store.usedBytes == 0 && fixture.filesOnDisk().isEmpty)
        try fixture.store.put(PieceFixture.piece(0), bytes: bytes, sha256: digest)
        #expect(fixture.store.usedBytes == Int64(piece))
    }

    /// Forty threads put at once into room for ten: what is being written counts against the capacity.
    @Test func concurrentPutsNeverPassTheCapacity() throws {
        let fixture = try PieceFixture(capacity: 10 * 4096)
        defer { fixture.remove() }
        let store = fixture.store
        let stored = Atomic(0)
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for index in 0..<40 {
            done.enter()
            Thread {
                let bytes = PieceFixture.bytes(4096, seed: UInt8(index))
                gate.wait()
                if (try? store.put(PieceFixture.piece(index), bytes: bytes, sha256: PieceFixture.sha256(bytes))) != nil {
                    stored.add(1, ordering: .relaxed)
                }
                done.leave()
            }.start()
        }
        for _ in 0..<40 { gate.signal() }
        done.wait()
        #expect(stored.load(ordering: .relaxed) == 10)
        #expect(store.usedBytes == 10 * 4096)
        #expect(store.pieceCount == 10)
        #expect(fixture.filesOnDisk().count == 10)
    }

    @Test func aLinkPlantedInTheStoreIsNeverFollowed() throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        let secret = fixture.root.appendingPathComponent("secret")
        try Data("TOP SECRET".utf8).write(to: secret)
        let elsewhere = fixture.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let directory = fixture.store.directory
        let fileDirectory = directory.appendingPathComponent(PieceFixture.fileID)
        try FileManager.default.createDirectory(at: fileDirectory, withIntermediateDirectories: true)
        // A link where a piece belongs.
        let piecePath = fileDirectory.appendingPathComponent("0.0").path
        try FileManager.default.createSymbolicLink(atPath: piecePath, withDestinationPath: secret.path)
        #expect(throws: PieceStoreError.refused(piecePath)) { try fixture.store.get(PieceFixture.piece(0)) }
        let bytes = PieceFixture.bytes(10)
        #expect(throws: PieceStoreError.refused(piecePath)) { try put(fixture.store, PieceFixture.piece(0), bytes) }
        #expect(try Data(contentsOf: secret) == Data("TOP SECRET".utf8))
        #expect(try PieceStore(directory: directory, capacity: 100).pieceCount == 0)
        // A link where a file's directory belongs.
        let otherFile = String(repeating: "b", count: 32)
        let linkedDirectory = directory.appendingPathComponent(otherFile).path
        try FileManager.default.createSymbolicLink(atPath: linkedDirectory, withDestinationPath: elsewhere.path)
        let piece = PieceFixture.piece(0, fileID: otherFile)
        #expect(throws: PieceStoreError.refused(linkedDirectory)) { try put(fixture.store, piece, bytes) }
        #expect(throws: PieceStoreError.refused(linkedDirectory)) { try fixture.store.get(piece) }
        #expect(throws: PieceStoreError.refused(linkedDirectory)) { try fixture.store.delete(piece) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        #expect(fixture.store.usedBytes == 0 && fixture.store.pieces().isEmpty)
    }

    @Test func aPieceIDThatLeavesTheDirectoryIsRefused() throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        for piece in [
            PieceID(fileID: "..", segment: 0, index: 0), PieceID(fileID: "../../etc", segment: 0, index: 0),
            PieceID(fileID: PieceFixture.fileID, segment: -1, index: 0),
        ] {
            #expect(throws: PieceStoreError.invalid(piece.description)) { try put(fixture.store, piece, Data()) }
            #expect(throws: PieceStoreError.invalid(piece.description)) { try fixture.store.get(piece) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path) == ["pieces"])
    }

    @Test func deletingAFilesLastPieceRemovesItsDirectory() throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        let fileDirectory = fixture.store.directory.appendingPathComponent(PieceFixture.fileID).path
        try put(fixture.store, PieceFixture.piece(0), PieceFixture.bytes(10))
        try put(fixture.store, PieceFixture.piece(1), PieceFixture.bytes(10))
        #expect(try fixture.store.delete(PieceFixture.piece(0)))
        #expect(FileManager.default.fileExists(atPath: fileDirectory))
        #expect(try fixture.store.delete(PieceFixture.piece(1)))
        #expect(!FileManager.default.fileExists(atPath: fileDirectory))
        // A put that fails leaves no directory behind either.
        #expect(throws: PieceStoreError.self) { try fixture.store.put(PieceFixture.piece(2), bytes: Data(), sha256: "00") }
        fixture.store.setCapacity(0)
        #expect(throws: PieceStoreError.self) { try put(fixture.store, PieceFixture.piece(2), PieceFixture.bytes(1)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.store.directory.path).isEmpty)
    }

    @Test func deleteAllRemovesTheDirectory() throws {
        let fixture = try PieceFixture()
        defer { fixture.remove() }
        for index in 0..<5 { try put(fixture.store, PieceFixture.piece(index), PieceFixture.bytes(100)) }
        try fixture.store.deleteAll()
        #expect(!FileManager.default.fileExists(atPath: fixture.store.directory.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path).isEmpty)
        #expect(fixture.store.usedBytes == 0 && fixture.store.pieces().isEmpty)
        #expect(throws: PieceStoreError.notFound(PieceFixture.piece(0).description)) { try fixture.store.get(PieceFixture.piece(0)) }
        #expect(try !fixture.store.delete(PieceFixture.piece(0)))
        try fixture.store.deleteAll()
        // The store still works afterwards, from an empty directory.
        try put(fixture.store, PieceFixture.piece(0), PieceFixture.bytes(100))
        #expect(fixture.store.usedBytes == 100)
    }
}
