import BorgCluster
import Foundation
import Testing

extension BorgClusterTests {
    /// Three real nodes: membership, leader discovery, failover and loss of quorum.
    @Suite struct Cluster {
        @Test func membershipRolesTransferAndRemove() throws {
            let cluster = try TestCluster(size: 3)
            defer { cluster.shutdown() }
            let client = DqliteClient(seeds: cluster.allAddresses, database: "members", timeout: 10, dialer: cluster.dialer)
            defer { client.close() }

            #expect(try client.members().sorted { $0.id < $1.id } == [
                DqliteMember(id: 1, address: cluster.address(1), role: .voter),
                DqliteMember(id: 2, address: cluster.address(2), role: .voter),
                DqliteMember(id: 3, address: cluster.address(3), role: .voter),
            ])
            #expect(try client.leader() == (1, cluster.address(1)))

            try client.assign(id: 3, role: .standby)
            #expect(try client.members().first { $0.id == 3 }?.role == .standby)
            try client.assign(id: 3, role: .spare)
            #expect(try client.members().first { $0.id == 3 }?.role == .spare)
            // A spare is not a voter, so it does not know the leader.
            let spare = try DqliteConnection(address: cluster.address(3), timeout: 5, dialer: cluster.dialer)
            defer { spare.close() }
            #expect(try spare.leader() == nil)

            try client.transfer(to: 2)
            #expect(try client.leader() == (2, cluster.address(2)))
            try client.execute("CREATE TABLE t (x)")

            try client.remove(id: 3)
            #expect(try client.members().map(\.id).sorted() == [1, 2])
        }

        /// A node that loses leadership closes its connections' databases and, leading again, answers them
        /// "no database opened": a client whose idle connection is from before reconnects instead of failing.
        @Test func aClientSurvivesLeadershipLeavingAndComingBack() throws {
            let cluster = try TestCluster(size: 3)
            defer { cluster.shutdown() }
            let reader = DqliteClient(seeds: [cluster.address(1)], database: "back", timeout: 10, dialer: cluster.dialer)
            defer { reader.close() }
            let admin = DqliteClient(seeds: cluster.allAddresses, database: "back", timeout: 10, dialer: cluster.dialer)
            defer { admin.close() }
            try reader.execute("CREATE TABLE t (x)")
            try reader.execute("INSERT INTO t VALUES (1)")
            try admin.transfer(to: 2)
            #expect(try admin.leader().id == 2)
            try admin.transfer(to: 1)
            #expect(try admin.leader().id == 1)
            #expect(try reader.query("SELECT x FROM t").rows.count == 1)
            try reader.execute("INSERT INTO t VALUES (2)")
        }

        @Test func followerSeedFindsLeaderAndWritesGoThere() throws {
            let cluster = try TestCluster(size: 3)
            defer { cluster.shutdown() }

            // Asked directly, a follower names the leader and refuses writes.
            let follower = try openConnection(cluster.address(3), database: "shared", dialer: cluster.dialer)
            defer { follower.close() }
            let named = try #require(try follower.leader())
            #expect(named == (1, cluster.address(1)))
            #expect {
                try follower.execSQL("CREATE TABLE t (x)")
            } throws: { error in
                error as? DqliteError == .notLeader(code: DqliteError.notLeaderCode, message: "not leader")
            }

            let client = DqliteClient(seeds: [cluster.address(3)], database: "shared", timeout: 10, dialer: cluster.dialer)
            defer { client.close() }
            #expect(try client.leader() == (1, cluster.address(1)))
            try client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            let result = try client.execute("INSERT INTO t (v) VALUES (?)", [.text("through a follower seed")])
            #expect(result == DqliteExecResult(lastInsertID: 1, rowsAffected: 1))

            // The leader's own view agrees (a different client, seeded with the leader).
            let direct = DqliteClient(seeds: [cluster.address(1)], database: "shared", timeout: 10, dialer: cluster.dialer)
            defer { direct.close() }
            #expect(try direct.query("SELECT v FROM t").rows == [[.text("through a follower seed")]])
        }

        @Test func leaderStopFailsOverWithoutLosingAcknowledgedRows() throws {
            let cluster = try TestCluster(size: 3)
            defer { cluster.shutdown() }
            let client = DqliteClient(seeds: cluster.allAddresses, database: "failover", timeout: 15, dialer: cluster.dialer)
            defer { client.close() }
            try client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
            var acknowledged: [DqliteValue] = []
            for value in 0..<20 {
                if value.isMultiple(of: 2) {
                    try client.execute("INSERT INTO t (v) VALUES (?)", [.integer(Int64(value))])
                } else {
                    try client.transaction { tx in
                        _ = try tx.execute("INSERT INTO t (v) VALUES (?)", [.integer(Int64(value))])
                    }
                }
                acknowledged.append(.integer(Int64(value)))
            }

            let oldLeader = try client.leader()
            cluster.stop(oldLeader.id)
            try client.transaction { tx in
                _ = try tx.execute("INSERT INTO t (v) VALUES (?)", [.integer(20)])
            }
            acknowledged.append(.integer(20))

            let newLeader = try client.leader()
            #expect(newLeader.id != oldLeader.id)
            let rows = try client.query("SELECT v FROM t ORDER BY id")
            #expect(rows.rows.map { $0[0] } == acknowledged)
        }

        @Test func lostQuorumFailsWritesWithinTheTimeout() throws {
            let cluster = try TestCluster(size: 3)
            defer { cluster.shutdown() }
            let client = DqliteClient(seeds: cluster.allAddresses, database: "quorum", timeout: 2, dialer: cluster.dialer)
            defer { client.close() }
            try client.execute("CREATE TABLE t (x)")
            try client.execute("INSERT INTO t VALUES (1)")

            let leader = try client.leader()
            for id in cluster.nodes.keys where id != leader.id {
                cluster.stop(id)
            }
            // The leader, now alone, cannot commit; it steps down after its election
            // timeout (750 ms at 50 ms latency), and no node can be elected after that.
            for attempt in 1...2 {
                let start = ContinuousClock.now
                #expect {
                    try client.execute("INSERT INTO t VALUES (?)", [.integer(Int64(attempt + 1))])
                } throws: { error in
                    switch error as? DqliteError {
                    case .noLeader, .outcomeUnknown: return true
                    default: return false
                    }
                }
                #expect(ContinuousClock.now - start < .seconds(4))
            }
            let start = ContinuousClock.now
            #expect {
                try client.query("SELECT count(*) FROM t")
            } throws: { error in
                if case .noLeader = error as? DqliteError { return true }
                return false
            }
            #expect(ContinuousClock.now - start < .seconds(4))
        }
    }
}
