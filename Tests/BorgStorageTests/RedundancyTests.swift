import BorgStorage
import Foundation
import Testing

struct RedundancyTests {
    @Test(arguments: [("4+2", 4, 2), ("1+1", 1, 1), ("32+16", 32, 16), ("10+4", 10, 4)])
    func parsesKPlusM(text: String, k: Int, m: Int) throws {
        let redundancy = try Redundancy(parsing: text)
        #expect(redundancy.dataPieces == k)
        #expect(redundancy.parityPieces == m)
        #expect(redundancy.totalPieces == k + m)
        #expect(redundancy.description == text)
    }

    @Test(arguments: ["", "4", "4+", "+2", "4-2", "4+2+1", " 4+2", "4 + 2", "a+b", "-4+2", "4+-2", "1000+1", "4.0+2"])
    func rejectsOtherTextNamingItAndTheForm(text: String) {
        #expect {
            try Redundancy(parsing: text)
        } throws: { error in
            guard case .invalidRedundancy(let message) = error as? StorageError else { return false }
            return message.contains("\"\(text)\"") && message.contains("K+M, e.g. 4+2")
        }
    }

    @Test(arguments: [(0, 2), (33, 1), (4, 0), (4, 17), (-1, 1)])
    func rejectsOutOfRangeCounts(k: Int, m: Int) {
        #expect {
            try Redundancy(dataPieces: k, parityPieces: m)
        } throws: { error in
            guard case .invalidRedundancy(let message) = error as? StorageError else { return false }
            return message.hasPrefix("redundancy \(k)+\(m): ")
        }
    }

    @Test func outOfRangeMessageSaysWhichCount() {
        #expect(throws: StorageError.invalidRedundancy("redundancy 0+2: data pieces must be 1 to 32")) {
            try Redundancy(parsing: "0+2")
        }
        #expect(throws: StorageError.invalidRedundancy("redundancy 4+17: parity pieces must be 1 to 16")) {
            try Redundancy(parsing: "4+17")
        }
    }

    @Test(arguments: [("4+2", 5), ("2+1", 3), ("3+1", 4), ("1+1", 2), ("10+4", 13), ("32+16", 47)])
    func successThreshold(text: String, expected: Int) throws {
        #expect(try Redundancy(parsing: text).successThreshold == expected)
    }

    @Test func expansionIsNOverK() throws {
        #expect(try Redundancy(parsing: "4+2").expansion == 1.5)
        #expect(try Redundancy(parsing: "1+1").expansion == 2)
    }

    @Test func defaultsByNumberOfHosts() {
        let expected: [Int: String?] = [
            -1: nil, 0: nil, 1: nil, 2: "1+1", 3: "2+1", 4: "3+1", 5: "4+1", 6: "4+2", 7: "4+2", 1000: "4+2",
        ]
        for (hosts, text) in expected {
            #expect(Redundancy.defaults(storageHosts: hosts)?.description == text, "\(hosts) hosts")
        }
    }

    @Test func codableAsItsText() throws {
        let redundancy = try Redundancy(parsing: "4+2")
        let json = try JSONEncoder().encode([redundancy])
        #expect(String(decoding: json, as: UTF8.self) == #"["4+2"]"#)
        #expect(try JSONDecoder().decode([Redundancy].self, from: json) == [redundancy])
    }

    @Test(arguments: [#"["0+2"]"#, #"["four"]"#, "[42]"])
    func decodingValidates(json: String) {
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode([Redundancy].self, from: Data(json.utf8))
        }
    }
}
