import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Machines on a private network made of Linux network namespaces: each node is a namespace with one
/// interface (`eth0`, 10.213.S.N/24, S drawn per lab) on a bridge that lives in a hub namespace of its own.
/// The test process itself is the observer: one more link joins the bridge to the host's namespace at
/// 10.213.S.254, never partitioned, from which the test reads what the nodes did. Faults are real network
/// faults: a partition drops packets between nodes with nftables inside their namespaces; ``heal()``
/// removes every rule. ``shutDown()`` stops every process started in the lab and deletes every namespace
/// (and with the hub, the observer's link), also after a failure.
///
/// Needs root and `ip` (iproute2) and `nft` (nftables); ``unavailableReason`` says why a lab cannot be made.
public final class NetworkLab: @unchecked Sendable {
    /// The nodes by name, in the order given.
    public let nodes: [String]
    /// A prefix of this lab's namespace names, unique per lab.
    public let prefix: String
    private let hub: String
    /// The third octet of the lab's subnet.
    private let subnet = Int.random(in: 1...250)
    private var processes: [Process] = []
    private let lock = NSLock()

    /// Why no lab can be made here (not root, a tool missing), or nil when one can.
    public static var unavailableReason: String? {
        if geteuid() != 0 { return "network namespaces need root (the tests run as uid \(geteuid()))" }
        for tool in ["/usr/sbin/ip", "/usr/sbin/nft"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing: install iproute2 and nftables (scripts/install-dependencies.sh does)"
        }
        return nil
    }

    /// Makes a namespace per node, all on one bridge.
    public init(nodes: [String]) throws {
        if let reason = Self.unavailableReason { throw HarnessError(reason) }
        precondition(Set(nodes).count == nodes.count && nodes.count < 250, "distinct node names, fewer than 250")
        self.nodes = nodes
        prefix = "borg\(String(UInt32.random(in: 0..<0xFFFF_FFFF), radix: 36))"
        hub = "\(prefix)-hub"
        do {
            try Self.ip(["netns", "add", hub])
            try Self.ip(["-n", hub, "link", "add", "br0", "type", "bridge"])
            try Self.ip(["-n", hub, "link", "set", "br0", "up"])
            let (observer, observerPeer) = ("\(prefix.suffix(6))o", "\(prefix.suffix(6))O")
            try Self.ip(["link", "add", observer, "type", "veth", "peer", "name", observerPeer])
            try Self.ip(["link", "set", observerPeer, "netns", hub])
            try Self.ip(["-n", hub, "link", "set", observerPeer, "master", "br0"])
            try Self.ip(["-n", hub, "link", "set", observerPeer, "up"])
            try Self.ip(["addr", "add", "\(observerAddress)/24", "dev", observer])
            try Self.ip(["link", "set", observer, "up"])
            for (index, node) in nodes.enumerated() {
                let namespace = self.namespace(node)
                let (inside, outside) = ("\(prefix.suffix(6))n\(index)", "\(prefix.suffix(6))h\(index)")
                try Self.ip(["netns", "add", namespace])
                try Self.ip(["link", "add", inside, "type", "veth", "peer", "name", outside])
                try Self.ip(["link", "set", inside, "netns", namespace])
                try Self.ip(["link", "set", outside, "netns", hub])
                try Self.ip(["-n", hub, "link", "set", outside, "master", "br0"])
                try Self.ip(["-n", hub, "link", "set", outside, "up"])
                try Self.ip(["-n", namespace, "link", "set", inside, "name", "eth0"])
                try Self.ip(["-n", namespace, "addr", "add", "\(address(of: node))/24", "dev", "eth0"])
                try Self.ip(["-n", namespace, "link", "set", "eth0", "up"])
                try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
                try Self.run("/usr/sbin/ip", ["netns", "exec", namespace, "/usr/sbin/nft", "add table inet borg"])
                for (chain, hook) in [("inbound", "input"), ("outbound", "output")] {
                    try Self.run("/usr/sbin/ip", ["netns", "exec", namespace, "/usr/sbin/nft",
                                                  "add chain inet borg \(chain) { type filter hook \(hook) priority 0; policy accept; }"])
                }
            }
        } catch {
            shutDown()
            throw error
        }
    }

    /// The node's IPv4 address.
    public func address(of node: String) -> String {
        guard let index = nodes.firstIndex(of: node) else { preconditionFailure("no node \(node) in the lab") }
        return "10.213.\(subnet).\(index + 1)"
    }

    /// The test process's address on the lab's network.
    public var observerAddress: String { "10.213.\(subnet).254" }

    /// The lab's network, as nftables writes it.
    var network: String { "10.213.\(subnet).0/24" }

    /// The node's namespace name (as `ip netns` knows it).
    public func namespace(_ node: String) -> String { "\(prefix)-\(node)" }

    /// Drops every packet between each node of `side` and each node of `other`, both ways.
    public func partition(_ side: [String], from other: [String]) throws {
        for a in side {
            for b in other {
                try nft(a, "add rule inet borg inbound ip saddr \(address(of: b)) counter drop")
                try nft(a, "add rule inet borg outbound ip daddr \(address(of: b)) counter drop")
                try nft(b, "add rule inet borg inbound ip saddr \(address(of: a)) counter drop")
                try nft(b, "add rule inet borg outbound ip daddr \(address(of: a)) counter drop")
            }
        }
    }

    /// Drops `percent` % of the packets each of `nodes` sends and receives, at random (nftables `numgen`);
    /// a link between two such nodes loses about twice that.
    public func loseRandomly(_ percent: Int, on nodes: [String]) throws {
        precondition((1...99).contains(percent), "a loss of 1 to 99 %")
        for node in nodes {
            try nft(node, "add rule inet borg inbound numgen random mod 100 < \(percent) counter drop")
            try nft(node, "add rule inet borg outbound numgen random mod 100 < \(percent) counter drop")
        }
    }

    /// Packets the lab's rules dropped on `node` since they were made (nftables counters).
    public func droppedPackets(on node: String) throws -> Int {
        let result = try CommandRunner.run(URL(fileURLWithPath: "/usr/sbin/ip"), ["netns", "exec", namespace(node), "/usr/sbin/nft", "list table inet borg"])
        guard result.status == 0 else { throw HarnessError("nft list table failed on \(node): \(result.stderr)") }
        return result.stdout.split(separator: "\n").reduce(0) { total, line in
            guard let range = line.range(of: "counter packets ") else { return total }
            return total + (Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0)
        }
    }

    /// Removes every partition and loss.
    public func heal() throws {
        for node in nodes {
            try nft(node, "flush chain inet borg inbound")
            try nft(node, "flush chain inet borg outbound")
        }
    }

    /// Starts `executable` with `arguments` inside `node`'s namespace (`ip netns exec` replaces itself with
    /// the program, so the process's PID is the program's), its output appended to `log`.
    public func start(_ node: String, _ executable: URL, _ arguments: [String], log: URL) throws -> Process {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace(node), executable.path] + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { processes.append(process) }
        return process
    }

    /// Stops every process the lab started (SIGKILL) and deletes every namespace; safe to call twice.
    public func shutDown() {
        let running = lock.withLock { () -> [Process] in
            defer { processes.removeAll() }
            return processes
        }
        for process in running where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for node in nodes { try? Self.ip(["netns", "del", namespace(node)]) }
        try? Self.ip(["netns", "del", hub])
        // Links left in the host's namespace when making the lab failed half way.
        for name in nodes.indices.map({ "\(prefix.suffix(6))n\($0)" }) + ["\(prefix.suffix(6))o"] {
            _ = try? CommandRunner.run(URL(fileURLWithPath: "/usr/sbin/ip"), ["link", "del", name])
        }
    }

    deinit { shutDown() }

    func nft(_ node: String, _ command: String) throws {
        try Self.run("/usr/sbin/ip", ["netns", "exec", namespace(node), "/usr/sbin/nft", command])
    }

    private static func ip(_ arguments: [String]) throws {
        try run("/usr/sbin/ip", arguments)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let result = try CommandRunner.run(URL(fileURLWithPath: executable), arguments)
        guard result.status == 0 else {
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
    }
}
