import Foundation

/// Slow links without `sch_netem` (this kernel has neither netem nor nfqueue): a relay in each node's namespace
/// takes every TCP connection the node opens to another node (nftables redirects it) and passes each chunk on
/// after a random delay, in order, both ways. Connections open before are cut (`ss -K`) so that they
/// reconnect through it.
extension NetworkLab {
    /// The relay's port in every node, and the mark its own connections carry past the redirect.
    static let relayPort = 7999
    static let relayMark = 0x2a

    /// Delays every TCP connection between `nodes` and the other nodes by `seconds` ± `jitter` each way;
    /// the relay's script and logs go to `directory`. The observer's own connections are not delayed.
    public func delay(_ seconds: Double, jitter: Double, on nodes: [String], directory: URL) throws {
        precondition(seconds > jitter && jitter >= 0, "a delay longer than its jitter")
        let script = directory.appendingPathComponent("delay-relay.py")
        try Data(Self.relayScript.utf8).write(to: script)
        for node in nodes {
            let log = directory.appendingPathComponent("delay-relay-\(node).log")
            _ = try start(node, URL(fileURLWithPath: "/usr/bin/python3"),
                          [script.path, String(Self.relayPort), String(seconds), String(jitter), String(Self.relayMark)], log: log)
            try waitUntil(log, says: "delay relay listening", node: node)
            try nft(node, "add table ip borgdelay")
            try nft(node, "add chain ip borgdelay out { type nat hook output priority -100; policy accept; }")
            try nft(node, "add rule ip borgdelay out meta mark \(Self.relayMark) return")
            try nft(node, "add rule ip borgdelay out ip daddr \(network) ip daddr != { \(address(of: node)), \(observerAddress) } "
                        + "tcp dport != \(Self.relayPort) redirect to :\(Self.relayPort)")
        }
        for node in nodes {
            // ss reports "Invalid argument" for the socket kinds it cannot kill; TCP ones are gone all the same.
            _ = try CommandRunner.run(URL(fileURLWithPath: "/usr/sbin/ip"),
                                      ["netns", "exec", namespace(node), "/usr/bin/ss", "-K", "dst", network, "and", "not", "dst", observerAddress])
        }
    }

    /// Connections the delay relay on `node` passed on so far (each one logged in `directory`).
    public func delayedConnections(on node: String, directory: URL) -> Int {
        let log = (try? String(contentsOf: directory.appendingPathComponent("delay-relay-\(node).log"), encoding: .utf8)) ?? ""
        return log.components(separatedBy: "relaying to ").count - 1
    }

    private func waitUntil(_ log: URL, says text: String, node: String) throws {
        for _ in 0..<100 {
            if let written = try? String(contentsOf: log, encoding: .utf8), written.contains(text) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("the delay relay on \(node) did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    /// The relay (Python 3, asyncio): `delay-relay.py PORT DELAY JITTER MARK`.
    static let relayScript = #"""
"""Delays every TCP connection opened in this network namespace: nftables redirects each one here, and
each chunk read is passed on to the original destination (SO_ORIGINAL_DST) after DELAY ± JITTER seconds,
in order, both ways. The proxy's own connections carry a mark that the redirect rule lets through.
Usage: delay-relay.py PORT DELAY JITTER MARK"""
import asyncio
import random
import socket
import struct
import sys

PORT, DELAY, JITTER, MARK = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
SO_ORIGINAL_DST = 80


def original_destination(sock):
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    return socket.inet_ntoa(raw[4:8]), struct.unpack_from("!H", raw, 2)[0]


def delay():
    return random.uniform(DELAY - JITTER, DELAY + JITTER)


async def relay(reader, writer):
    """Copies reader to writer, each chunk held back by its own delay but never overtaking the one before."""
    loop = asyncio.get_running_loop()
    pending = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await pending.get()
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            if not data:
                break
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    last = 0.0
    try:
        while True:
            data = await reader.read(65536)
            last = max(last, loop.time() + delay())
            await pending.put((last, data))
            if not data:
                break
        await sender
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        sender.cancel()
        writer.close()


async def handle(client_reader, client_writer):
    try:
        host, port = original_destination(client_writer.get_extra_info("socket"))
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        upstream.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, MARK)
        upstream.setblocking(False)
        await asyncio.sleep(delay())  # the handshake's first leg
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(upstream, (host, port)), 30)
        server_reader, server_writer = await asyncio.open_connection(sock=upstream)
    except (OSError, asyncio.TimeoutError):
        client_writer.close()
        return
    print(f"relaying to {host}:{port}", flush=True)
    await asyncio.gather(relay(client_reader, server_writer), relay(server_reader, client_writer), return_exceptions=True)
    for writer in (client_writer, server_writer):
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", PORT, backlog=512)
    print("delay relay listening", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
"""#
}
