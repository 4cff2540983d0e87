/// How a node serves its address and reaches its peers.
public enum DqliteTransport: Sendable {
    /// dqlite's own: the node listens on its address in plain TCP and reaches its peers the same way. Anyone who
    /// can reach the address runs SQL; for nodes that only tests on one machine use.
    case plainTCP
    /// The node listens only inside this process (an abstract Unix socket that refuses other processes); its
    /// address is a TLS gateway that admits only peers presenting the cluster's credentials, and its Raft
    /// traffic reaches its peers' gateways over the same TLS.
    case tls(ClusterCredentials)
}
