import BorgStorage
import Testing

struct PlacementTests {
    let fourTwo: Redundancy
    init() throws { fourTwo = try Redundancy(parsing: "4+2") }

    static func hosts(_ count: Int, donors: Int? = nil, free: Int64 = 1 << 30) -> [StorageCandidate] {
        (0..<count).map {
            StorageCandidate(host: Int64(100 + $0), donor: Int64($0 % (donors ?? count)), freeBytes: free)
        }
    }

    @Test func piecesOfASegmentGoToDistinctHosts() throws {
        let plan = try Placement.place(segments: 50, pieceBytes: 1000, redundancy: fourTwo, candidates: Self.hosts(9))
        #expect(plan.count == 50)
        #expect(plan.allSatisfy { $0.count == 6 && Set($0).count == 6 })
    }

    @Test func distinctDonorsWhenPossible() throws {
        // 8 hosts on 6 donors: donors 0 and 1 have two hosts each.
        let candidates = Self.hosts(8, donors: 6)
        let donorOf = Dictionary(uniqueKeysWithValues: candidates.map { ($0.host, $0.donor) })
        let plan = try Placement.place(segments: 40, pieceBytes: 1000, redundancy: fourTwo, candidates: candidates)
        #expect(plan.allSatisfy { segment in Set(segment.compactMap { donorOf[$0] }).count == 6 })
    }

    @Test func sharesDonorsOnlyAsNeeded() throws {
        // 6 hosts on 3 donors: every segment needs all six, two per donor.
        let candidates = Self.hosts(6, donors: 3)
        let plan = try Placement.place(segments: 10, pieceBytes: 1000, redundancy: fourTwo, candidates: candidates)
        #expect(plan.allSatisfy { Set($0).count == 6 })
        let twoPerDonor = try Placement.place(
            segments: 10, pieceBytes: 1000, redundancy: Redundancy(parsing: "2+1"), candidates: candidates)
        let donorOf = Dictionary(uniqueKeysWithValues: candidates.map { ($0.host, $0.donor) })
        #expect(twoPerDonor.allSatisfy { Set($0.compactMap { donorOf[$0] }).count == 3 })
    }

    @Test(arguments: [6, 8, 11])
    func balancesEqualHosts(hostCount: Int) throws {
        let plan = try Placement.place(
            segments: 60, pieceBytes: 1000, redundancy: fourTwo, candidates: Self.hosts(hostCount))
        var pieces: [Int64: Int] = [:]
        for host in plan.joined() { pieces[host, default: 0] += 1 }
        let fair = 360 / hostCount
        #expect(pieces.count == hostCount)
        #expect(pieces.values.allSatisfy { abs($0 - fair) <= 1 }, "\(pieces)")
    }

    @Test func mostFreeSpaceFirst() throws {
        var candidates = Self.hosts(8)
        candidates[3].freeBytes = 10 << 30
        candidates[5].freeBytes = 9 << 30
        let plan = try Placement.place(segments: 1, pieceBytes: 1000, redundancy: fourTwo, candidates: candidates)
        #expect(Array(plan[0].prefix(2)) == [103, 105])
    }

    @Test func notEnoughHosts() {
        #expect(throws: StorageError.notEnoughHosts(have: 5, need: 6)) {
            try Placement.place(segments: 1, pieceBytes: 1000, redundancy: fourTwo, candidates: Self.hosts(5))
        }
        var candidates = Self.hosts(7)
        candidates[0].freeBytes = 999
        candidates[1].freeBytes = 0
        #expect(throws: StorageError.notEnoughHosts(have: 5, need: 6)) {
            try Placement.place(segments: 1, pieceBytes: 1000, redundancy: fourTwo, candidates: candidates)
        }
    }

    @Test func aFullHostIsSkipped() throws {
        var candidates = Self.hosts(7)
        candidates[2].freeBytes = 999
        let plan = try Placement.place(segments: 30, pieceBytes: 1000, redundancy: fourTwo, candidates: candidates)
        #expect(!plan.joined().contains(102))
    }

    @Test func runningOutOfRoomMidwayIsNoRoom() {
        let candidates = Self.hosts(6, free: 10_000)
        #expect(throws: Never.self) {
            try Placement.place(segments: 10, pieceBytes: 1000, redundancy: fourTwo, candidates: candidates)
        }
        let error = #expect(throws: StorageError.self) {
            try Placement.place(segments: 11, pieceBytes: 1000, redundancy: fourTwo, candidates: candidates)
        }
        #expect(error.map { if case .noRoom = $0 { true } else { false } } == true)
    }

    @Test func chooseAvoidsHostsAndPrefersOtherDonors() throws {
        var candidates = Self.hosts(8, donors: 4)
        let before = candidates
        let chosen = try #require(
            Placement.choose(
                count: 2, pieceBytes: 1000, candidates: &candidates, avoidingHosts: [100, 101, 102],
                preferringNot: [0, 1, 2]))
        #expect(Set(chosen).isDisjoint(with: [100, 101, 102]))
        // Donor 3 (hosts 103, 107) first, then another host not avoided.
        #expect(chosen.count == 2 && Set(chosen).count == 2)
        #expect(chosen.first == 103)
        #expect(chosen[1] != 107)
        for (old, new) in zip(before, candidates) {
            #expect(new.freeBytes == old.freeBytes - (chosen.contains(old.host) ? 1000 : 0))
        }
    }

    @Test func chooseReturnsNilAndChangesNothingWithoutEnoughHosts() {
        var candidates = Self.hosts(4)
        let before = candidates
        #expect(
            Placement.choose(
                count: 2, pieceBytes: 1000, candidates: &candidates, avoidingHosts: [100, 101, 102], preferringNot: [])
                == nil)
        #expect(candidates == before)
    }

    @Test func chooseUpToTakesTheHostsThereAreWhenTooFewAre() {
        var candidates = Self.hosts(4)
        let before = candidates
        // Three wanted, one host not avoided: that one, its room taken; as many as wanted when there are enough.
        #expect(Placement.choose(upTo: 3, pieceBytes: 1000, candidates: &candidates, avoidingHosts: [100, 101, 102], preferringNot: []) == [103])
        #expect(candidates[3].freeBytes == before[3].freeBytes - 1000 && candidates.prefix(3) == before.prefix(3))
        #expect(Placement.choose(upTo: 2, pieceBytes: 1000, candidates: &candidates, avoidingHosts: [], preferringNot: []).count == 2)
    }

    @Test func hostsOutOfGoodStandingComeLast() throws {
        // Host 103 failed audits and has by far the most room: 2+1 over four hosts never uses it.
        var candidates = Self.hosts(3, free: 1 << 20) + [StorageCandidate(host: 103, donor: 3, freeBytes: 1 << 40, trusted: false)]
        let plan = try Placement.place(segments: 20, pieceBytes: 1000, redundancy: try Redundancy(parsing: "2+1"), candidates: candidates)
        #expect(plan.allSatisfy { !$0.contains(103) })
        // Nor does a repair, while a host in good standing has room; when none has, it does.
        #expect(Placement.chooseMore(count: 1, pieceBytes: 1000, candidates: &candidates, holding: [100: 1, 101: 1], preferringNot: []) == [102])
        var crowded = [StorageCandidate(host: 100, donor: 0, freeBytes: 1 << 20), StorageCandidate(host: 103, donor: 3, freeBytes: 1 << 40, trusted: false)]
        #expect(Placement.chooseMore(count: 1, pieceBytes: 1000, candidates: &crowded, holding: [100: 1], preferringNot: []) == [103])
    }

    @Test func repairSpreadsASegmentOverTheHostsLeft() throws {
        // A 4+2 segment on four live hosts after two died: 100 and 101 hold one piece each, 102 two (an earlier
        // repair put one there), 103 none; 102 has the most room. Its two lost pieces go to 103 and to 100 or
        // 101, never to 102 (three of six there would make that host's loss the segment's).
        var candidates = [StorageCandidate(host: 100, donor: 0, freeBytes: 1 << 20), StorageCandidate(host: 101, donor: 1, freeBytes: 1 << 20),
                          StorageCandidate(host: 102, donor: 2, freeBytes: 1 << 30), StorageCandidate(host: 103, donor: 3, freeBytes: 1 << 20)]
        let chosen = try #require(Placement.chooseMore(count: 2, pieceBytes: 1000, candidates: &candidates,
                                                       holding: [100: 1, 101: 1, 102: 2, 104: 1, 105: 1], preferringNot: []))
        #expect(chosen.count == 2 && chosen.contains(103) && !chosen.contains(102), "\(chosen)")
        // With a host free of the segment for each piece, those are taken.
        var roomy = Self.hosts(8)
        let fresh = try #require(Placement.chooseMore(count: 2, pieceBytes: 1000, candidates: &roomy,
                                                      holding: [100: 1, 101: 1, 102: 1, 103: 1, 104: 1], preferringNot: []))
        #expect(Set(fresh).isDisjoint(with: [100, 101, 102, 103, 104]) && Set(fresh).count == 2)
        // A host that lost a piece of the segment (in good standing, with the most room) gets it back only when
        // no host without a piece of it can take it.
        var lost = Self.hosts(3) + [StorageCandidate(host: 103, donor: 3, freeBytes: 1 << 40)]
        #expect(Placement.chooseMore(count: 1, pieceBytes: 1000, candidates: &lost, holding: [100: 1, 101: 1], lostOn: [103],
                                     preferringNot: []) == [102])
        var small = Self.hosts(3)
        #expect(Placement.chooseMore(count: 1, pieceBytes: 1000, candidates: &small, holding: [100: 1, 101: 1], lostOn: [102],
                                     preferringNot: []) == [102])
        // Where only a fuller host has room, it is used rather than no repair at all.
        var full = [StorageCandidate(host: 100, donor: 0, freeBytes: 10), StorageCandidate(host: 102, donor: 2, freeBytes: 1 << 20)]
        #expect(Placement.chooseMore(count: 1, pieceBytes: 1000, candidates: &full, holding: [100: 1, 102: 2], preferringNot: []) == [102])
    }
}
