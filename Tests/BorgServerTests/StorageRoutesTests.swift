import BorgAPIClient
import BorgCore
import BorgEngine
import BorgProtocol
import BorgStorage
import BorgStore
import Foundation
import Testing

/// The coordinator's side of storage donation over real HTTP: offers, plans, commits, listings, quotas,
/// and every bad request refused with its reason.
@Suite struct StorageRoutesTests {
    /// Three hosts of three donors that each offer 64 MiB (at addresses nothing listens on: no piece moves here).
    static func storageHosts(_ f: CoordinatorFixture) async throws -> ([TestHost], [String]) {
        var hosts: [TestHost] = []
        var keys: [String] = []
        for name in ["s1", "s2", "s3"] {
            let (host, reply) = try await storageHost(f, name)
            keys = reply.orderKeys
            hosts.append(host)
        }
        return (hosts, keys)
    }

    /// Host `name` of a donor of its own, offering `capacity` bytes at an address nothing listens on.
    static func storageHost(_ f: CoordinatorFixture, _ name: String, capacity: Int64 = 64 << 20, leaving: Bool = false) async throws
        -> (TestHost, StorageRegistrationResponse)
    {
        let host = try await f.host(name)
        let reply = try await host.client.registerStorage(host: host.id, StorageRegistration(
            url: "http://127.0.0.1:9/\(name)", capacityBytes: capacity, usedBytes: 0, leaving: leaving))
        return (host, reply)
    }

    @Test func aPlanPlacesEveryPieceOnDistinctHostsUnderSignedOrdersAndACommitListsTheFile() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, keys) = try await Self.storageHosts(f)
            let owner = hosts[0]
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(
                sealedName: "c2VhbGVk", size: 5 << 20, segmentSize: 1 << 20))
            #expect(plan.redundancy == "2+1")
            #expect(plan.segments == 5)
            #expect(plan.pieces.allSatisfy { Set($0.compactMap { $0 }).count == 3 }, "each segment's pieces on three distinct hosts")
            let verifier = try OrderVerifier(publicKeys: keys)
            for target in plan.hosts {
                let order = try verifier.verify(target.order, now: Date().timeIntervalSince1970)
                #expect(order.fileID == plan.fileID && order.host == target.host.rawValue)
                // The owner may store its pieces, not read or delete them at the hosts (reads get orders of their own),
                // and only the pieces placed on that host.
                #expect(order.actions == [.put])
                for segment in 0..<plan.segments {
                    for index in 0..<3 {
                        let piece = PieceID(fileID: plan.fileID, segment: segment, index: index)
                        #expect(order.allows(.put, on: piece, host: target.host.rawValue, bytes: 1) == (plan.pieces[segment][index] == target.host),
                                "\(piece) on host \(target.host.rawValue)")
                    }
                }
            }
            // Not listed until committed.
            #expect(try await owner.client.files(host: owner.id).isEmpty)
            let digest = String(repeating: "ab", count: 32)
            let info = try await owner.client.commitFile(host: owner.id, file: plan.fileID, CommitFileRequest(
                digests: Array(repeating: [digest, digest, digest], count: 5)))
            #expect(info.state == "stored" && info.healthyPieces == 3)
            #expect(try await owner.client.files(host: owner.id).map(\.fileID) == [plan.fileID])
            let space = try await owner.client.space(host: owner.id)
            #expect(space.donorStoredBytes == 5 << 20)
            #expect(space.donorQuotaBytes == Int64(Double(64 << 20) / 1.5), "you store what you give, over the expansion")

            // The owner may report damaged pieces (audited first); only pieces the file has, only its own file.
            let receipt = try await owner.client.reportDamaged(host: owner.id, file: plan.fileID, DamagedPiecesReport(pieces: [[0, 0], [4, 2], [0, 0]]))
            #expect(receipt.queued == 2)
            for bad in ["[[5, 0]]", "[[0, 3]]", "[[0]]", "[[-1, 0]]"] {
                let (status, reason) = try await f.raw(.post, "/v1/hosts/\(owner.id)/files/\(plan.fileID)/damaged", body: #"{"pieces": \#(bad)}"#,
                                                       credential: owner.client.credential)
                #expect(status == 400 && reason.contains("[segment, index] with segment below 5 and index below 3"), "\(bad): \(status) \(reason)")
            }
            let many = "[" + Array(repeating: "[0, 0]", count: DamagedPiecesReport.limit + 1).joined(separator: ",") + "]"
            let (tooMany, why) = try await f.raw(.post, "/v1/hosts/\(owner.id)/files/\(plan.fileID)/damaged", body: #"{"pieces": \#(many)}"#,
                                                 credential: owner.client.credential)
            #expect(tooMany == 400 && why.contains("at most \(DamagedPiecesReport.limit) pieces"), "\(tooMany) \(why)")
            let (notTheirs, _) = try await f.raw(.post, "/v1/hosts/\(hosts[1].id)/files/\(plan.fileID)/damaged", body: #"{"pieces": [[0, 0]]}"#,
                                                 credential: hosts[1].client.credential)
            #expect(notTheirs == 403)

            // Another donor can neither read nor delete it.
            var (status, reason) = try await f.raw(.get, "/v1/hosts/\(hosts[1].id)/files/\(plan.fileID)", body: nil,
                                                   credential: hosts[1].client.credential)
            #expect(status == 403 && reason.contains("another donor"))
            (status, _) = try await f.raw(.delete, "/v1/hosts/\(hosts[1].id)/files/\(plan.fileID)", body: nil,
                                          credential: hosts[1].client.credential)
            #expect(status == 403)
            _ = try await owner.client.deleteFile(host: owner.id, file: plan.fileID)
            #expect(try await owner.client.files(host: owner.id).isEmpty)
        }
    }

    @Test func anUploadShortOfTheSuccessThresholdFailsAndListsNothing() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let owner = hosts[0]
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 100, segmentSize: 4096))
            let digest = String(repeating: "cd", count: 32)
            do {
                _ = try await owner.client.commitFile(host: owner.id, file: plan.fileID, CommitFileRequest(digests: [[digest, digest, nil]]))
                Issue.record("a segment with 2 of 3 pieces (threshold 3) was accepted")
            } catch let error as APIClientError {
                #expect(error.status == 409 && error.reason.contains("2 of 3 pieces stored, 3 needed"), "\(error)")
            }
            #expect(try await owner.client.files(host: owner.id).isEmpty)
            #expect(try await f.admin.storageStatus().pieces == 0)
        }
    }

    @Test func aPieceOnAHostThatLeftBeforeTheCommitIsPlacedAgainElsewhere() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, keys) = try await Self.storageHosts(f)
            let owner = hosts[0]
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 100, segmentSize: 4096))
            let (extra, _) = try await Self.storageHost(f, "s4")
            // One of the three hosts leaves the grid (deleting what it held) before the owner commits.
            _ = try await hosts[2].client.abandon(host: hosts[2].id, tasks: [], leaving: true)
            let digest = String(repeating: "cd", count: 32)
            let sent = CommitFileRequest(digests: [[digest, digest, digest]])
            do {
                _ = try await owner.client.commitFile(host: owner.id, file: plan.fileID, sent)
                Issue.record("a segment with a piece on a host that had left counted it")
            } catch let error as APIClientError {
                #expect(error.status == 409 && error.reason.contains("2 of 3 pieces stored, 3 needed") && error.reason.contains("place them again"),
                        "\(error)")
            }
            // Refused, not failed: the piece the host took with it goes to the host that joined since, under an order
            // for that piece alone.
            let refill = try await owner.client.refillFile(host: owner.id, file: plan.fileID,
                                                           RefillRequest(segments: [SegmentDigests(segment: 0, digests: sent.digests[0])]))
            let gone = try #require(plan.pieces[0].firstIndex(of: hosts[2].id))
            #expect(refill.pieces == [(0..<3).map { $0 == gone ? extra.id : nil }])
            let verifier = try OrderVerifier(publicKeys: keys)
            let order = try verifier.verify(try #require(refill.hosts.first { $0.host == extra.id }).order, now: Date().timeIntervalSince1970)
            #expect(order.expires == (try verifier.verify(plan.hosts[0].order, now: Date().timeIntervalSince1970)).expires,
                    "the refill's orders end when the plan's do: nothing could be stored after the upload is collected")
            #expect(order.allows(.put, on: PieceID(fileID: plan.fileID, segment: 0, index: gone), host: extra.id.rawValue, bytes: 1))
            #expect(!order.allows(.put, on: PieceID(fileID: plan.fileID, segment: 0, index: (gone + 1) % 3), host: extra.id.rawValue, bytes: 1))
            // Sent there, the same digests commit and the piece is recorded where it went.
            let info = try await owner.client.commitFile(host: owner.id, file: plan.fileID, sent)
            #expect(info.state == "stored" && info.healthyPieces == 3)
            let layout = try await owner.client.fileLocation(host: owner.id, file: plan.fileID)
            #expect(layout.pieces[0][gone] == extra.id)
        }
    }

    @Test func anUploadWhoseLostPiecesNoHostCanTakeFailsAtTheRefill() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let owner = hosts[0]
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 100, segmentSize: 4096))
            _ = try await hosts[2].client.abandon(host: hosts[2].id, tasks: [], leaving: true)
            let digest = String(repeating: "cd", count: 32)
            await #expect(throws: APIClientError.self) {
                try await owner.client.commitFile(host: owner.id, file: plan.fileID, CommitFileRequest(digests: [[digest, digest, digest]]))
            }
            // The two hosts left both hold a piece of the segment: nowhere to put the third.
            do {
                _ = try await owner.client.refillFile(host: owner.id, file: plan.fileID,
                                                      RefillRequest(segments: [SegmentDigests(segment: 0, digests: [digest, digest, digest])]))
                Issue.record("a refill placed a piece on a host holding another piece of its segment")
            } catch let error as APIClientError {
                #expect(error.status == 503 && error.reason.contains("2 of 3 pieces stored, 3 needed") && error.reason.contains("put the file again"),
                        "\(error)")
            }
            #expect(try await owner.client.files(host: owner.id).isEmpty)
            await #expect(throws: APIClientError.self) {
                try await owner.client.commitFile(host: owner.id, file: plan.fileID, CommitFileRequest(digests: [[digest, digest, digest]]))
            }
        }
    }

    @Test func anUploadWhoseOrdersExpiredGetsNoRefill() async throws {
        let clock = TestClock()
        try await CoordinatorFixture.run(clock: { clock.now }) { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let owner = hosts[0]
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 100, segmentSize: 4096))
            clock.advance(StoragePolicy().orderLifetime)
            do {
                _ = try await owner.client.refillFile(host: owner.id, file: plan.fileID,
                                                      RefillRequest(segments: [SegmentDigests(segment: 0, digests: [nil, nil, nil])]))
                Issue.record("an upload past its orders' lifetime got new orders")
            } catch let error as APIClientError {
                #expect(error.status == 409 && error.reason.contains("have expired"), "\(error)")
            }
        }
    }

    @Test func aRefillMovesPiecesOffHostsTheClientCouldNotReachAndRefusesBadRequests() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let owner = hosts[0]
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 10_000, segmentSize: 4096))
            let (extra, _) = try await Self.storageHost(f, "s4")
            let digest = String(repeating: "cd", count: 32)
            let unreachable = hosts[1].id
            // Segment 0 lost its piece on the unreachable host; segment 1 lost one on a host the client reached (sent
            // there again); segment 2 is whole and gets nothing.
            let lost0 = try #require(plan.pieces[0].firstIndex(of: unreachable))
            let reached = try #require(plan.pieces[1].firstIndex(of: hosts[2].id))
            var digests = Array(repeating: [String?](repeating: digest, count: 3), count: 3)
            digests[0][lost0] = nil
            digests[1][reached] = nil
            let refill = try await owner.client.refillFile(host: owner.id, file: plan.fileID, RefillRequest(
                segments: digests.enumerated().map { SegmentDigests(segment: $0.offset, digests: $0.element) }, unreachable: [unreachable]))
            #expect(refill.pieces[0] == (0..<3).map { $0 == lost0 ? extra.id : nil })
            #expect(refill.pieces[1] == (0..<3).map { $0 == reached ? hosts[2].id : nil })
            #expect(refill.pieces[2] == [nil, nil, nil])
            digests[0][lost0] = digest
            digests[1][reached] = digest
            _ = try await owner.client.commitFile(host: owner.id, file: plan.fileID, CommitFileRequest(digests: digests))
            #expect(try await owner.client.fileLocation(host: owner.id, file: plan.fileID).pieces[0][lost0] == extra.id)

            let other = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 100, segmentSize: 4096))
            let bad: [(body: String, reason: String)] = [
                (#"{"segments": [{"segment": 1, "digests": [null, null, null, null]}], "unreachable": []}"#, "distinct segments of the file's 1"),
                (#"{"segments": [{"segment": 0, "digests": [null]}], "unreachable": []}"#, "each segment must list 4 digests"),
                (#"{"segments": [{"segment": 0, "digests": ["x", null, null, null]}], "unreachable": []}"#, "SHA-256 in lowercase hex"),
                (#"{"segments": [], "unreachable": [\#((0...RefillRequest.unreachableLimit).map(String.init).joined(separator: ","))]}"#,
                 "at most \(RefillRequest.unreachableLimit) hosts"),
            ]
            for (body, reason) in bad {
                let (status, why) = try await f.raw(.post, "/v1/hosts/\(owner.id)/files/\(other.fileID)/refill", body: body,
                                                    credential: owner.client.credential)
                #expect(status == 400 && why.contains(reason), "\(body.prefix(80)): \(status) \(why)")
            }
            let (notTheirs, _) = try await f.raw(.post, "/v1/hosts/\(hosts[1].id)/files/\(other.fileID)/refill",
                                                 body: #"{"segments": [], "unreachable": []}"#, credential: hosts[1].client.credential)
            #expect(notTheirs == 403)
        }
    }

    @Test func aHostThatHandedItsPiecesOverIsNotEndedWhileAFileCommittedMeanwhileHasPiecesOnIt() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let (owner, leaver) = (hosts[0], hosts[2])
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 100, segmentSize: 4096))
            // The host starts leaving while the upload runs: nothing of a stored file is on it yet.
            let leaving = StorageRegistration(url: "http://127.0.0.1:9/s3", capacityBytes: 64 << 20, usedBytes: 0, leaving: true)
            #expect(try await leaver.client.registerStorage(host: leaver.id, leaving).piecesToMove == 0)
            // The owner commits between the host's last look and its leaving: its piece counts (it still serves it).
            let digest = String(repeating: "cd", count: 32)
            _ = try await owner.client.commitFile(host: owner.id, file: plan.fileID, CommitFileRequest(digests: [[digest, digest, digest]]))
            do {
                _ = try await leaver.client.abandon(host: leaver.id, tasks: [], leaving: true, piecesHandedOver: true)
                Issue.record("a host holding a piece of a stored file was ended as if it had handed everything over")
            } catch let error as APIClientError {
                #expect(error.status == 409 && error.reason.contains("1 piece(s)") && error.reason.contains("hand them over too"), "\(error)")
            }
            #expect(try await leaver.client.registerStorage(host: leaver.id, leaving).piecesToMove == 1, "still a member, asked to move it")
            // Leaving by force is not held back.
            _ = try await leaver.client.abandon(host: leaver.id, tasks: [], leaving: true)
            await #expect(throws: APIClientError.self) { try await leaver.client.registerStorage(host: leaver.id, leaving) }
            // A host that holds nothing of a stored file leaves when it says it handed everything over.
            let (empty, _) = try await Self.storageHost(f, "s4", leaving: true)
            _ = try await empty.client.abandon(host: empty.id, tasks: [], leaving: true, piecesHandedOver: true)
            await #expect(throws: APIClientError.self) { try await empty.client.registerStorage(host: empty.id, leaving) }
        }
    }

    @Test func aHostThatFailsAuditsGetsNewPiecesOnlyWhenNoOtherHostCanTakeThem() async throws {
        try await CoordinatorFixture.run { f in
            var (hosts, _) = try await Self.storageHosts(f)
            let (suspect, _) = try await Self.storageHost(f, "s4", capacity: 1 << 30)
            hosts.append(suspect)
            // Its one audit failed: the most room of the four, but out of good standing.
            try await f.coordinator.store.write { q in
                try q.recordAudit(of: PieceRecord(fileID: String(repeating: "0", count: 32), segment: 0, index: 0, host: suspect.id,
                                                  sha256: nil, size: 1, state: PieceRecord.stored), passed: false,
                                  forgetting: StoragePolicy.auditForgetting)
            }
            let owner = hosts[0]
            let spread = try await owner.client.createFile(host: owner.id, CreateFileRequest(
                sealedName: "bg==", size: 8 << 20, segmentSize: 1 << 20, redundancy: "2+1"))
            #expect(spread.pieces.allSatisfy { !$0.contains(suspect.id) }, "three hosts in good standing take 2+1 without it")
            // A code as wide as the grid still stores, on it too.
            let wide = try await owner.client.createFile(host: owner.id, CreateFileRequest(
                sealedName: "bg==", size: 1 << 20, segmentSize: 1 << 20, redundancy: "3+1"))
            #expect(wide.pieces.allSatisfy { $0.contains(suspect.id) })
        }
    }

    @Test func aHostThatStartsDroppingPiecesLosesItsStandingWhateverItPassedBefore() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let host = hosts[1]
            let piece = PieceRecord(fileID: String(repeating: "0", count: 32), segment: 0, index: 0, host: host.id, sha256: nil, size: 1,
                                    state: PieceRecord.stored)
            /// Records `verdicts` in one write; the host's score after them.
            func audit(_ verdicts: [Bool]) async throws -> Double {
                try await f.coordinator.store.write { q in
                    for passed in verdicts { try q.recordAudit(of: piece, passed: passed, forgetting: StoragePolicy.auditForgetting) }
                }
                return try #require(try await f.admin.storageStatus().hosts.first { $0.host == host.id }).auditScore
            }
            // A long clean record keeps its standing through a piece lost to a flipped bit.
            #expect(try await audit(Array(repeating: true, count: 2_000)) == 1)
            let flipped = try await audit([false])
            #expect(flipped >= StoragePolicy.goodStandingScore && flipped < 1, "\(flipped)")
            // Then it drops a tenth of its pieces: out of standing within 640 audits and at every one after (each
            // score read just before its next failure, its best), though its lifetime counts (201 failed of 4,002)
            // would still look clean.
            var scores: [Double] = []
            for _ in 0..<200 { scores.append(try await audit([false] + Array(repeating: true, count: 9))) }
            #expect(scores[0] >= StoragePolicy.goodStandingScore, "one failure in ten is not judged at once")
            #expect(scores.dropFirst(64).allSatisfy { $0 < StoragePolicy.goodStandingScore }, "\(scores)")
            let status = try #require(try await f.admin.storageStatus().hosts.first { $0.host == host.id })
            #expect(status.auditsPassed == 3_800 && status.auditsFailed == 201)
            #expect((0.9...0.92).contains(status.auditScore), "\(status.auditScore)")
        }
    }

    @Test func anInventoryAnswersThePiecesNoFilePlacesOnTheHost() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let owner = hosts[0]
            let plan = try await owner.client.createFile(host: owner.id, CreateFileRequest(sealedName: "bg==", size: 100, segmentSize: 4096))
            let mine = try #require(plan.pieces[0].firstIndex(of: owner.id))
            let elsewhere = (mine + 1) % 3
            let stray = ReadCap.newFileID()
            let listed = ["\(plan.fileID).0.\(mine)", "\(plan.fileID).0.\(elsewhere)", "\(stray).0.0"]
            let answer = try await owner.client.checkInventory(host: owner.id, PieceInventory(pieces: listed))
            #expect(answer.unknown == Array(listed.dropFirst()), "a piece placed on another host and one of no file")
            #expect(answer.graceSeconds == StoragePolicy().transferWindow)

            let tooMany = Array(repeating: "\"\(stray).0.0\"", count: PieceInventory.limit + 1).joined(separator: ",")
            for (body, reason) in [
                (#"{"pieces": ["x.0.0"]}"#, "pieces[0]"),
                (#"{"pieces": ["\#(stray).0.0", "\#(stray).0.99"]}"#, "pieces[1]"),
                (#"{"pieces": [\#(tooMany)]}"#, "at most \(PieceInventory.limit) pieces"),
            ] {
                let (status, why) = try await f.raw(.post, "/v1/hosts/\(owner.id)/storage/inventory", body: body, credential: owner.client.credential)
                #expect(status == 400 && why.contains(reason), "\(body.prefix(80)): \(status) \(why)")
            }
            let (other, _) = try await f.raw(.post, "/v1/hosts/\(owner.id)/storage/inventory", body: #"{"pieces": []}"#,
                                             credential: hosts[1].client.credential)
            #expect(other == 401 || other == 403, "a host takes stock of its own pieces only")
        }
    }

    @Test func badStorageRequestsAreRefusedWithTheReason() async throws {
        try await CoordinatorFixture.run { f in
            let (hosts, _) = try await Self.storageHosts(f)
            let a = hosts[0]
            let secret = a.client.credential
            func post(_ path: String, _ body: String) async throws -> (Int, String) {
                try await f.raw(.post, "/v1/hosts/\(a.id)\(path)", body: body, credential: secret)
            }
            var (status, reason) = try await post("/storage", #"{"url": "ftp://x", "capacityBytes": 1, "usedBytes": 0, "leaving": false}"#)
            #expect(status == 400 && reason.contains("url"))
            (status, reason) = try await post("/storage", #"{"url": "http://x:1", "capacityBytes": -5, "usedBytes": 0, "leaving": false}"#)
            #expect(status == 400 && reason.contains("capacityBytes"))
            (status, reason) = try await post("/files", #"{"sealedName": "x", "size": -1, "segmentSize": 65536}"#)
            #expect(status == 400 && reason.contains("size"))
            (status, reason) = try await post("/files", #"{"sealedName": "x", "size": 10, "segmentSize": 7}"#)
            #expect(status == 400 && reason.contains("segmentSize"))
            (status, reason) = try await post("/files", #"{"sealedName": "", "size": 10, "segmentSize": 65536}"#)
            #expect(status == 400 && reason.contains("sealedName"))
            (status, reason) = try await post("/files", #"{"sealedName": "x", "size": 10, "segmentSize": 65536, "redundancy": "0+9"}"#)
            #expect(status == 400 && reason.contains("redundancy"))
            (status, reason) = try await post("/files", #"{"sealedName": "x", "size": 17592186044416, "segmentSize": 4096}"#)
            #expect(status == 413 && reason.contains("segments"))
            (status, reason) = try await post("/files", #"{"sealedName": "x", "size": 1966080000, "segmentSize": 65536}"#)
            #expect(status == 413 && reason.contains("24576 pieces"), "one plan stays one short transaction: \(reason)")
            (status, reason) = try await post("/files", #"{"sealedName": "x", "size": 1073741824, "segmentSize": 16777216}"#)
            #expect(status == 413 && reason.contains("quota"), "a donor stores no more than its quota: \(reason)")
            (status, reason) = try await f.raw(.get, "/v1/hosts/\(a.id)/files/not-a-file", body: nil, credential: secret)
            #expect(status == 404 && reason.contains("files ls"))
            (status, _) = try await f.raw(.get, "/v1/hosts/\(a.id)/files/\(ReadCap.newFileID())", body: nil, credential: secret)
            #expect(status == 404)
            let plan = try await a.client.createFile(host: a.id, CreateFileRequest(sealedName: "x", size: 10, segmentSize: 4096))
            (status, reason) = try await post("/files/\(plan.fileID)/commit", #"{"digests": [["zz", null, null]]}"#)
            #expect(status == 400 && reason.contains("SHA-256"))
            (status, reason) = try await post("/files/\(plan.fileID)/commit", #"{"digests": []}"#)
            #expect(status == 400 && reason.contains("digests"))
            (status, _) = try await f.raw(.get, "/v1/storage", body: nil)
            #expect(status == 401)
            (status, _) = try await f.raw(.get, "/v1/storage", body: nil, credential: secret)
            #expect(status == 401 || status == 403)
            // Still serving; nothing stored by any of it.
            #expect(try await f.admin.storageStatus().files == 0)
        }
    }

    @Test func aGridWithTooFewStorageHostsSaysSo() async throws {
        try await CoordinatorFixture.run { f in
            let lone = try await f.host("lone")
            _ = try await lone.client.registerStorage(host: lone.id, StorageRegistration(url: "http://127.0.0.1:9", capacityBytes: 1 << 30, usedBytes: 0))
            let (status, reason) = try await f.raw(.post, "/v1/hosts/\(lone.id)/files", body: #"{"sealedName": "x", "size": 10, "segmentSize": 4096}"#,
                                                   credential: lone.client.credential)
            #expect(status == 503 && reason.contains("at least 2"), "\(reason)")
        }
    }
}
