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
        #expect(try room.fits(TaskBookTests.assignment(1, bytes: 10 << 20)))
        #expect(try !room.fits(TaskBookTests.assignment(1, bytes: (10 << 20) + 1)))
    }

    /// A coordinator's sizes are never trusted to add up: negative ones, or ones whose sum passes
    /// Int64.max, are refused with a message instead of trapping the client.
    @Test(arguments: [
        ([Int64(-5), 7], "the coordinator gave input 'in0' a size of -5 bytes; sizes cannot be negative"),
        ([-(Int64.max / 2) - 1000, -(Int64.max / 2) - 1000],
         "the coordinator gave input 'in0' a size of \(-(Int64.max / 2) - 1000) bytes; sizes cannot be negative"),
        ([Int64.max / 2 + 1, Int64.max / 2 + 1], "the coordinator's sizes for the app and inputs add up to more than \(Int64.max) bytes"),
    ])
    func impossibleSizesAreRefusedWithAMessage(sizes: [Int64], message: String) throws {
        var assignment = TaskBookTests.assignment(1, bytes: 0)
        assignment.inputs = sizes.enumerated().map { FileRef(name: "in\($0.offset)", sha256: "ab", size: $0.element) }
        let directory = try TaskBookTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.root) }
        let room = DiskRoom(caps: DonorCaps(), cores: 2, directory: directory)
        #expect(throws: DonorError(message)) { try room.fits(assignment) }
        #expect(throws: DonorError(message)) { try DiskRoom.bytes(of: assignment) }
    }
}
