import BorgCluster
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

extension Coordinator {
    /// Routes between coordinators of a grid and for `borg-server cluster`; all need the cluster secret.
    func addClusterRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/cluster/join") { request, _ in
            let node = try self.clusterNode(authorizing: request)
            let body = try await JSONResponse.decode(ClusterJoinRequest.self, from: request, limit: 64 << 10)
            guard body.nodeID != 0 else { throw APIError.badRequest("nodeID must not be 0") }
            guard HostPort(body.address) != nil else {
                throw APIError.badRequest("address must be HOST:PORT, got '\(body.address.prefix(80))'")
            }
            let role = try await Blocking.run { try node.admit(id: body.nodeID, address: body.address) }
            let members = try await Blocking.run { try node.client.members() }
            return try JSONResponse.make(ClusterJoinResponse(role: "\(role)", members: members.map(\.address)))
        }
        router.get("/v1/cluster") { request, _ in
            let node = try self.clusterNode(authorizing: request)
            let (members, leader) = try await Blocking.run { (try node.client.members(), node.leaderID()) }
            let announced = try await self.store.read { q in try q.coordinators(seenSince: 0) }
            let byNode = Dictionary(announced.map { (UInt64(bitPattern: $0.nodeID), $0) }) { a, _ in a }
            let now = self.engine.clock()
            return try JSONResponse.make(ClusterStatus(leader: leader, members: members.map {
                ClusterMemberInfo(nodeID: $0.id, address: $0.address, role: "\($0.role)", url: byNode[$0.id]?.url,
                                  isLeader: $0.id == leader, secondsSinceSeen: byNode[$0.id].map { max(0, now - $0.seenAt) })
            }))
        }
        router.post("/v1/cluster/announce") { request, _ in
            _ = try self.clusterNode(authorizing: request)
            let body = try await JSONResponse.decode(ClusterAnnounceRequest.self, from: request, limit: 64 << 10)
            guard body.url.hasPrefix("http://") || body.url.hasPrefix("https://"), HostPort(body.clusterAddress) != nil else {
                throw APIError.badRequest("url must be an http(s) URL and clusterAddress HOST:PORT")
            }
            try await self.record(body, now: self.engine.clock())
            return Response(status: .noContent)
        }
        router.post("/v1/cluster/remove") { request, _ in
            let node = try self.clusterNode(authorizing: request)
            let body = try await JSONResponse.decode(ClusterRemoveRequest.self, from: request, limit: 64 << 10)
            let members = try await Blocking.run { try node.client.members() }
            guard members.contains(where: { $0.id == body.nodeID }) else {
                throw APIError.notFound("node \(body.nodeID) is not a member; see 'borg-server cluster status'")
            }
            try await Blocking.run { try node.remove(id: body.nodeID) }
            let id = Int64(bitPattern: body.nodeID)
            try await self.store.write { q in try q.removeCoordinator(nodeID: id) }
            return Response(status: .noContent)
        }
        router.put("/v1/cluster/blobs/:sha") { request, context in
            _ = try self.clusterNode(authorizing: request)
            return try await self.storeBlob(request, sha: try context.parameters.require("sha"), replicate: false)
        }
        router.get("/v1/cluster/blobs/:sha") { request, context in
            _ = try self.clusterNode(authorizing: request)
            let sha = try context.parameters.require("sha")
            guard let data = try await self.store.blob(sha) else { throw APIError.notFound("no blob \(sha.prefix(80)) here") }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// This coordinator's node, if the request carries the cluster secret.
    private func clusterNode(authorizing request: Request) throws -> ClusterNode {
        guard let cluster, let secret = configuration.cluster?.secret else {
            throw APIError.notFound("this coordinator is not part of a replicated grid (start it with --cluster-listen)")
        }
        guard let given = Authenticator.bearer(request) else {
            throw APIError.unauthorized("missing 'Authorization: Bearer <cluster secret>'")
        }
        guard Secret.hash(given) == Secret.hash(secret) else { throw APIError.forbidden("wrong cluster secret") }
        return cluster
    }
}
