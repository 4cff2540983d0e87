import NIOCore
import NIOPosix

extension ClusterHTTPTunnels {
    /// Why the cluster link to `clusterAddress` cannot carry HTTP now, in words for an operator (what to
    /// check next), or nil when a connection and its TLS handshake succeed. The tunnels themselves only see
    /// a closed connection; this opens one of its own to tell the causes apart.
    public func linkProblem(to clusterAddress: String) async -> String? {
        guard let (host, portText) = try? SocketStream.splitHostPort(clusterAddress), let port = Int(portText) else {
            return "\(clusterAddress) is not HOST:PORT"
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        do {
            let (link, negotiated) = try await Self.openLink(on: loop, host: host, port: port, tls: tls).get()
            link.close(promise: nil)
            guard negotiated == ClusterTLS.httpProtocol else {
                return "the coordinator at \(clusterAddress) does not serve HTTP on its cluster link: upgrade it to this version"
            }
            return nil
        } catch LinkFailure.unreachable(let error) {
            return "nothing answers at \(clusterAddress) (\(error)): is the coordinator running, and is this its --cluster-listen address?"
        } catch LinkFailure.handshake(let error) where "\(error)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the coordinator at \(clusterAddress) holds another cluster secret: give this grid's secret"
        } catch {
            return "\(clusterAddress) does not speak the cluster link's TLS (\(error)): give a coordinator's --cluster-listen address, not its HTTP --listen address"
        }
    }
}
