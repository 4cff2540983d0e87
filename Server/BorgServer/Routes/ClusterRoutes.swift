import BorgCluster
import BorgEngine
import BorgProtocol
import BorgStore
import Foundation
import Hummingbird

/// `/v1/cluster/…`: between the coordinators of a grid, and for `borg-server cluster`; every route needs
/// the cluster secret. A coordinator that is not part of a grid answers 404.
struct ClusterRoutes {
    let replication: any Replication
    let blobs: BlobService

    func addRoutes(to api: APIRouter) {
        api.on(.post, "/v1/cluster/join", "Admit a coordinator to the grid's dqlite cluster", access: .cluster,
               authorize: { request, _ in try authorized(request) }, body: ClusterJoinRequest.self, limit: 64 << 10) {
            _, _, grid, body in
            guard body.nodeID != 0 else { throw RequestError.malformed("nodeID must not be 0") }
            guard HostPort(body.address) != nil else {
                throw RequestError.malformed("address must be HOST:PORT, got '\(body.address.prefix(80))'")
            }
            let node = grid.node
            let role = try await Blocking.run { try node.admit(id: body.nodeID, address: body.address) }
            let members = try await Blocking.run { try node.client.members() }
            return ClusterJoinResponse(role: "\(role)", members: members.map(\.address))
        }
        api.on(.get, "/v1/cluster", "The grid's coordinators, their roles and which one leads", access: .cluster) { request, _ in
            let grid = try authorized(request)
            let node = grid.node
            let (members, leader) = try await Blocking.run { (try node.client.members(), node.leaderID()) }
            let announced = try await grid.store.read { q in try q.coordinators(seenSince: 0) }
            let byNode = Dictionary(announced.map { (UInt64(bitPattern: $0.nodeID), $0) }) { a, _ in a }
            let now = grid.engine.clock()
            return ClusterStatus(leader: leader, members: members.map {
                ClusterMemberInfo(nodeID: $0.id, address: $0.address, role: "\($0.role)", url: byNode[$0.id]?.url,
                                  isLeader: $0.id == leader, secondsSinceSeen: byNode[$0.id].map { max(0, now - $0.seenAt) })
            })
        }
        api.add(APIOperation(method: .post, path: "/v1/cluster/announce", summary: "A coordinator says where it serves",
                             access: .cluster, body: .json { try $0.schema(of: ClusterAnnounceRequest.self) }, reply: .empty,
                             status: .noContent)) { request, _ in
            let grid = try authorized(request)
            let body = try await JSONResponse.decode(ClusterAnnounceRequest.self, from: request, limit: 64 << 10)
            guard body.url.hasPrefix("http://") || body.url.hasPrefix("https://"), HostPort(body.clusterAddress) != nil else {
                throw RequestError.malformed("url must be an http(s) URL and clusterAddress HOST:PORT")
            }
            try await grid.record(body)
            return Response(status: .noContent)
        }
        api.add(APIOperation(method: .post, path: "/v1/cluster/remove", summary: "Remove a coordinator from the cluster",
                             access: .cluster, body: .json { try $0.schema(of: ClusterRemoveRequest.self) }, reply: .empty,
                             status: .noContent)) { request, _ in
            let grid = try authorized(request)
            let body = try await JSONResponse.decode(ClusterRemoveRequest.self, from: request, limit: 64 << 10)
            let node = grid.node
            let members = try await Blocking.run { try node.client.members() }
            guard members.contains(where: { $0.id == body.nodeID }) else {
                throw EngineError.unknown("node \(body.nodeID) is not a member; see 'borg-server cluster status'")
            }
            try await Blocking.run { try node.remove(id: body.nodeID) }
            let id = Int64(bitPattern: body.nodeID)
            try await grid.store.write { q in try q.removeCoordinator(nodeID: id) }
            return Response(status: .noContent)
        }
        api.add(APIOperation(method: .put, path: "/v1/cluster/blobs/{sha}", summary: "A peer's copy of a blob file",
                             access: .cluster, body: .bytes, reply: .empty, status: .created, alsoSucceedsWith: [.ok])) {
            request, context in
            _ = try authorized(request)
            return try await blobs.accept(request, sha: try context.parameters.require("sha"), replicate: false)
        }
        api.add(APIOperation(method: .get, path: "/v1/cluster/blobs/{sha}", summary: "A blob file, for a peer",
                             access: .cluster, reply: .content(types: ["application/octet-stream"]))) { request, context in
            let grid = try authorized(request)
            let sha = try context.parameters.require("sha")
            guard let data = try await grid.store.blob(sha) else { throw EngineError.unknown("no blob \(sha.prefix(80)) here") }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// The grid, if the request carries its secret.
    private func authorized(_ request: Request) throws -> ReplicatedGrid {
        try replication.grid(authorizing: Authenticator.bearer(request))
    }
}
