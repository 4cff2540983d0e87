import NIOCore
import NIOPosix
import NIOSSL

extension ClusterHTTPTunnels {
    /// Why the cluster link to `clusterAddress` cannot carry HTTP now, in words for an operator (what to
    /// check next), or nil when a connection and its TLS handshake succeed. The tunnels themselves only see
    /// a closed connection; this opens one of its own to tell the causes apart.
    public func linkProblem(to clusterAddress: String) async -> String? {
        guard let (host, portText) = try? SocketStream.splitHostPort(clusterAddress), let port = Int(portText) else {
            return "\(clusterAddress) is not HOST:PORT"
        }
        let tls = self.tls
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = loop.makePromise(of: String?.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(Self.handshakeTimeout)
                .channelInitializer { link in
                    link.eventLoop.makeCompletedFuture {
                        try link.pipeline.syncOperations.addHandlers(try tls.clientHandler(http: true), TLSHandshakeSignal(handshake))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            handshake.fail(error)
            return "nothing answers at \(clusterAddress) (\(error)): is the coordinator running, and is this its --cluster-listen address?"
        }
        defer { channel.close(promise: nil) }
        let expiry = loop.scheduleTask(in: Self.handshakeTimeout) {
            handshake.fail(ChannelError.connectTimeout(Self.handshakeTimeout))
        }
        defer { expiry.cancel() }
        do {
            guard try await handshake.futureResult.get() == ClusterTLS.httpProtocol else {
                return "the coordinator at \(clusterAddress) does not serve HTTP on its cluster link: upgrade it to this version"
            }
            return nil
        } catch let error where "\(error)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the coordinator at \(clusterAddress) holds another cluster secret: give this grid's secret"
        } catch {
            return "\(clusterAddress) does not speak the cluster link's TLS (\(error)): give a coordinator's --cluster-listen address, not its HTTP --listen address"
        }
    }
}
