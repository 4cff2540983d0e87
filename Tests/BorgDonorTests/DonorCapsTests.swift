import BorgDonor
import Testing

struct DonorCapsTests {
    @Test func concurrencyIsTheAllowedCoresRoundedUpAndAtLeastOne() {
        #expect(DonorCaps(cpuFraction: 0.25).concurrency(cores: 2) == 1)
        #expect(DonorCaps(cpuFraction: 0.5).concurrency(cores: 2) == 1)
        #expect(DonorCaps(cpuFraction: 0.75).concurrency(cores: 2) == 2)
        #expect(DonorCaps(cpuFraction: 1).concurrency(cores: 8) == 8)
        #expect(DonorCaps(cpuFraction: 0.01).concurrency(cores: 1) == 1)
    }

    @Test func memoryAndDiskAreSharedSoTheirSumsStayWithinTheCaps() {
        let caps = DonorCaps(cpuFraction: 1, diskBytes: 9 << 30, memoryBytes: 4 << 30)
        #expect(caps.buffer(cores: 2) == 3)
        #expect(caps.memoryPerTask(cores: 2) * UInt64(caps.concurrency(cores: 2)) <= caps.memoryBytes)
        #expect(caps.diskPerTask(cores: 2) * UInt64(caps.buffer(cores: 2)) <= caps.diskBytes)
        #expect(caps.diskPerTask(cores: 2) == 3 << 30)
    }

    @Test func summaryNamesEveryCap() {
        #expect(DonorCaps(cpuFraction: 0.25, diskBytes: 1 << 30, memoryBytes: 512 << 20).summary
            == "CPU 25%, disk 1 GiB, memory 512 MiB")
    }
}
