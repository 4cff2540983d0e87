import BorgDonor
import BorgProtocol
import Foundation
import Testing

struct DiskRoomTests {
    @Test func fetchesWhatFitsInTheBufferAndOnTheDisk() throws {
        let directory = try TaskBookTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        // Two tasks at a time on 2 cores, so 3 held; 30 MiB of disk, 10 MiB for each.
        let room = DiskRoom(caps: DonorCaps(cpuFraction: 1, diskBytes: 30 << 20), cores: 2, directory: directory)
        #expect(room.tasksToFetch(holding: 2) == 1)
        #expect(room.tasksToFetch(holding: 3) == 0)
        try Data(count: 15 << 20).write(to: directory.tasks.appendingPathComponent("big"))
        #expect(room.tasksToFetch(holding: 0) == 1)
        try Data(count: 10 << 20).write(to: directory.apps.appendingPathComponent("app"))
        #expect(room.tasksToFetch(holding: 0) == 0)
        #expect(room.fits(TaskBookTests.assignment(1, bytes: 10 << 20)))
        #expect(!room.fits(TaskBookTests.assignment(1, bytes: (10 << 20) + 1)))
    }
}
