import BorgDonor
import Testing

struct CapParserTests {
    @Test(arguments: [("50%", 0.5), ("25", 0.25), ("100%", 1.0), (" 1% ", 0.01)])
    func parsesCPUShares(text: String, expected: Double) throws {
        #expect(try CapParser.cpuFraction(text) == expected)
    }

    @Test(arguments: ["150%", "0%", "-5%", "abc", "", "nan%"])
    func rejectsBadCPUSharesNamingTheFlag(text: String) {
        #expect {
            try CapParser.cpuFraction(text)
        } throws: { ($0 as? DonorError)?.description.hasPrefix("--cpu ") == true }
    }

    @Test(arguments: [
        ("10GiB", UInt64(10) << 30), ("2G", UInt64(2) << 30), ("500MB", UInt64(500_000_000)), ("4096", UInt64(4096)),
        ("1.5KiB", UInt64(1536)), ("3 mib", UInt64(3) << 20),
    ])
    func parsesSizes(text: String, expected: UInt64) throws {
        #expect(try CapParser.bytes(text, flag: "--disk") == expected)
    }

    @Test(arguments: ["-1", "0", "0.5", "ten", "GiB", "1e30GiB"])
    func rejectsBadSizesNamingTheFlag(text: String) {
        #expect {
            try CapParser.bytes(text, flag: "--memory")
        } throws: { ($0 as? DonorError)?.description.hasPrefix("--memory ") == true }
    }

    @Test func formatsSizes() {
        #expect(CapParser.format(bytes: 10 << 30) == "10 GiB")
        #expect(CapParser.format(bytes: 1536) == "1.5 KiB")
        #expect(CapParser.format(bytes: 800) == "800 B")
    }
}
