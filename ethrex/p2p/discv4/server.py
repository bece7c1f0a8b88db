"""The discv4 node-discovery protocol over UDP (devp2p ``discv4.md``).

Endpoint proof ("bonding"): a node proves it owns its address by answering our Ping with a Pong
that quotes the Ping's hash. Only then does it enter the table, and only then do we answer its
FindNode or ENRRequest — from that same IP address — so that nobody can make us send
Neighbors to a victim's address. A Ping from a node we have no proof for is answered and
followed by our own Ping. Neighbors are accepted only in answer to our own FindNode.

``run()`` bonds with the bootnodes, looks up our own id to fill the table, then keeps the table
alive: it pings the least recently seen node of a random bucket every few seconds and looks up
random ids now and then. Dialling takes its candidates from ``candidates()``.
"""

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ethrex import rlp
from ethrex.crypto.secp256k1 import private_key_to_public_key
from ethrex.p2p.discv4 import messages as m
from ethrex.p2p.discv4.table import BUCKET_SIZE, Table
from ethrex.p2p.enode import ENode, is_valid_public_key, node_id
from ethrex.p2p.enr import InvalidRecord, NodeRecord, decode_record
from ethrex.p2p.peer import RateLimiter
from ethrex.primitives import keccak256

log = logging.getLogger("ethrex.discv4")

BOND_EXPIRATION = 12 * 3600.0
RESPONSE_TIMEOUT = 1.0
MAX_NEIGHBORS = 12  # nodes per Neighbors packet (fits in 1280 bytes)
ALPHA = 3  # parallel FindNode queries of a lookup
LIVENESS_INTERVAL = 5.0
REFRESH_INTERVAL = 30.0
PACKETS_PER_SECOND = 200.0  # per source IP


@dataclass(slots=True)
class _FindNode:
    future: "asyncio.Future[list[m.NodeEntry]]"
    nodes: list[m.NodeEntry] = field(default_factory=list)


class Discovery(asyncio.DatagramProtocol):
    """discv4 for one node key; ``record`` gives our current ENR."""

    def __init__(self, private_key: bytes, record: Callable[[], NodeRecord | None],
                 tcp_port: Callable[[], int], bootnodes: tuple[ENode, ...] = (),
                 external_ip: str | None = None) -> None:
        self.private_key = private_key
        self.public_key = private_key_to_public_key(private_key)
        self.id = node_id(self.public_key)
        self.record = record
        self.tcp_port = tcp_port
        self.bootnodes = bootnodes
        self.external_ip = external_ip
        self.table = Table(self.id)
        self.transport: asyncio.DatagramTransport | None = None
        self.address: tuple[str, int] = ("", 0)
        self.proofs: dict[tuple[bytes, str], float] = {}  # (id, ip) -> last Pong from it
        self.pinged_us: dict[tuple[bytes, str], float] = {}  # (id, ip) -> last Ping from it
        self.pending_pings: dict[bytes, tuple[bytes, asyncio.Future[bool]]] = {}
        self.pending_finds: dict[tuple[bytes, str], _FindNode] = {}
        self.pending_enr: dict[bytes, tuple[bytes, asyncio.Future[NodeRecord]]] = {}
        self.limits: dict[str, RateLimiter] = {}
        self.known_tcp: dict[bytes, int] = {}  # TCP ports nodes announced
        self.to_ping: asyncio.Queue[ENode] = asyncio.Queue(1024)  # nodes to bond with

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        assert self.transport is not None
        self.address = self.transport.get_extra_info("sockname")[:2]
        return int(self.address[1])

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._bond_loop(group))
            await asyncio.gather(*(self.ping(b) for b in self.bootnodes))
            await self.lookup(self.public_key)
            group.create_task(self._liveness_loop())
            group.create_task(self._refresh_loop())

    async def _bond_loop(self, group: asyncio.TaskGroup) -> None:
        """Ping back the nodes that pinged us without an endpoint proof."""
        while True:
            node = await self.to_ping.get()
            group.create_task(self.ping(node))

    async def _liveness_loop(self) -> None:
        while True:
            await asyncio.sleep(LIVENESS_INTERVAL)
            entry = self.table.liveness_candidate()
            if entry is not None and not await self.ping(entry.node):
                entry.failures += 1
                if entry.failures >= 2:
                    self.table.remove(entry.id)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_INTERVAL if len(self.table) < BUCKET_SIZE
                                else 10 * REFRESH_INTERVAL)
            if not len(self.table):
                await asyncio.gather(*(self.ping(b) for b in self.bootnodes))
            await self.lookup(os.urandom(64))

    def candidates(self) -> list[ENode]:
        """Nodes to dial: the table's, most recently seen first."""
        return self.table.nodes()

    # -- sending -----------------------------------------------------------------------------

    def _send(self, addr: tuple[str, int], kind: int, fields: list[object]) -> bytes:
        packet, packet_hash = m.encode_packet(self.private_key, kind, fields)
        if self.transport is not None:
            self.transport.sendto(packet, addr)
        return packet_hash

    def _our_endpoint(self) -> m.Endpoint:
        ip = self.external_ip or self.address[0]
        return m.Endpoint(ip if ip not in ("0.0.0.0", "::", "") else "127.0.0.1",
                          int(self.address[1]), self.tcp_port())

    def _seq(self) -> int:
        record = self.record()
        return 0 if record is None else record.seq

    def _bonded(self, key: tuple[bytes, str]) -> bool:
        return time.monotonic() - self.proofs.get(key, -BOND_EXPIRATION) < BOND_EXPIRATION

    async def ping(self, node: ENode) -> bool:
        """Ping ``node``; True when it answers with a valid Pong (which also bonds it)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        to = m.Endpoint(node.ip, node.udp_port, node.tcp_port)
        packet_hash = self._send((node.ip, node.udp_port), m.PING, [
            4, m.encode_endpoint(self._our_endpoint()), m.encode_endpoint(to), m.expiration(),
            self._seq()])
        self.pending_pings[packet_hash] = (node.public_key, future)
        self.known_tcp.setdefault(node.public_key, node.tcp_port)
        try:
            async with asyncio.timeout(RESPONSE_TIMEOUT):
                return await future
        except TimeoutError:
            return False
        finally:
            self.pending_pings.pop(packet_hash, None)

    async def find_node(self, node: ENode, target: bytes) -> list[m.NodeEntry]:
        """Ask ``node`` for the nodes closest to ``target`` (a public key)."""
        key = (node.id, node.ip)
        if not self._bonded(key) and not await self.ping(node):
            return []
        if time.monotonic() - self.pinged_us.get(key, 0) > BOND_EXPIRATION:
            await asyncio.sleep(RESPONSE_TIMEOUT / 2)  # its Ping back, so it knows us
        loop = asyncio.get_running_loop()
        query = _FindNode(loop.create_future())
        self.pending_finds[key] = query
        self._send((node.ip, node.udp_port), m.FIND_NODE, [target, m.expiration()])
        try:
            async with asyncio.timeout(RESPONSE_TIMEOUT):
                return await query.future
        except TimeoutError:
            return query.nodes
        finally:
            self.pending_finds.pop(key, None)

    async def request_enr(self, node: ENode) -> NodeRecord | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[NodeRecord] = loop.create_future()
        packet_hash = self._send((node.ip, node.udp_port), m.ENR_REQUEST, [m.expiration()])
        self.pending_enr[packet_hash] = (node.public_key, future)
        try:
            async with asyncio.timeout(RESPONSE_TIMEOUT):
                return await future
        except TimeoutError:
            return None
        finally:
            self.pending_enr.pop(packet_hash, None)

    async def lookup(self, target: bytes) -> list[ENode]:
        """Iterative Kademlia lookup of ``target`` (a public key); newly found nodes are pinged
        so that those alive enter the table."""
        target_id = keccak256(target)
        asked: set[bytes] = set()
        seen: dict[bytes, ENode] = {n.public_key: n for n in self.table.closest(target_id)}
        while True:
            pending = sorted((n for k, n in seen.items() if k not in asked),
                             key=lambda n: int.from_bytes(n.id, "big") ^
                             int.from_bytes(target_id, "big"))[:ALPHA]
            if not pending:
                break
            asked.update(n.public_key for n in pending)
            results = await asyncio.gather(*(self.find_node(n, target) for n in pending))
            fresh = []
            for entries in results:
                for e in entries:
                    if e.public_key in seen or e.public_key == self.public_key:
                        continue
                    if not is_valid_public_key(e.public_key) or not e.endpoint.ip:
                        continue
                    node = ENode(e.public_key, e.endpoint.ip, e.endpoint.tcp, e.endpoint.udp)
                    seen[e.public_key] = node
                    fresh.append(node)
            await asyncio.gather(*(self.ping(n) for n in fresh[:BUCKET_SIZE]))
            if len(asked) >= 4 * BUCKET_SIZE:
                break
        return list(seen.values())

    # -- receiving ---------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        ip = str(addr[0])
        limiter = self.limits.get(ip)
        if limiter is None:
            if len(self.limits) > 4096:
                self.limits.clear()
            limiter = self.limits[ip] = RateLimiter(PACKETS_PER_SECOND, 2 * PACKETS_PER_SECOND)
        if not limiter.take():
            return
        try:
            packet = m.decode_packet(data)
            self._handle(packet, (ip, int(addr[1])))
        except m.BadPacket as exc:
            log.debug("dropped packet from %s: %s", addr, exc)

    def _handle(self, p: m.Packet, addr: tuple[str, int]) -> None:
        sender_id = node_id(p.public_key)
        key = (sender_id, addr[0])
        if p.kind == m.PING:
            from_, _to, exp, _seq = m.read_ping(p)
            if m.is_expired(exp):
                return
            self.pinged_us[key] = time.monotonic()
            # The Pong goes to where the Ping came from, whatever its 'from' field says.
            self._send(addr, m.PONG, [m.encode_endpoint(m.Endpoint(addr[0], addr[1], 0)),
                                      p.hash, m.expiration(), self._seq()])
            node = ENode(p.public_key, addr[0], from_.tcp or addr[1], addr[1])
            self.known_tcp[p.public_key] = node.tcp_port
            if self._bonded(key):
                self.table.add_verified(node)
            elif not self.to_ping.full():
                self.to_ping.put_nowait(node)
        elif p.kind == m.PONG:
            _to, ping_hash, exp, _seq = m.read_pong(p)
            if m.is_expired(exp):
                return
            pending = self.pending_pings.get(ping_hash)
            if pending is None or pending[0] != p.public_key:
                return  # not the answer to a Ping of ours: no endpoint proof
            self.proofs[key] = time.monotonic()
            tcp = self.known_tcp.get(p.public_key, addr[1])
            self.table.add_verified(ENode(p.public_key, addr[0], tcp, addr[1]))
            if not pending[1].done():
                pending[1].set_result(True)
        elif p.kind == m.FIND_NODE:
            target, exp = m.read_find_node(p)
            if m.is_expired(exp) or not self._bonded(key):
                return
            closest = self.table.closest(keccak256(target))
            for start in range(0, max(len(closest), 1), MAX_NEIGHBORS):
                chunk = closest[start:start + MAX_NEIGHBORS]
                self._send(addr, m.NEIGHBORS, [
                    [[*m.encode_endpoint(m.Endpoint(n.ip, n.udp_port, n.tcp_port)),
                      n.public_key] for n in chunk], m.expiration()])
        elif p.kind == m.NEIGHBORS:
            nodes, exp = m.read_neighbors(p)
            query = self.pending_finds.get(key)
            if query is None or m.is_expired(exp):
                return  # unsolicited
            query.nodes.extend(nodes)
            if len(query.nodes) >= BUCKET_SIZE and not query.future.done():
                query.future.set_result(query.nodes)
        elif p.kind == m.ENR_REQUEST:
            exp = m.read_enr_request(p)
            record = self.record()
            if m.is_expired(exp) or not self._bonded(key) or record is None:
                return
            self._send(addr, m.ENR_RESPONSE, [p.hash, rlp.decode(record.encoded)])
        elif p.kind == m.ENR_RESPONSE:
            request_hash, encoded = m.read_enr_response(p)
            pending_enr = self.pending_enr.get(request_hash)
            if pending_enr is None:
                return
            try:
                record = decode_record(encoded)
            except InvalidRecord:
                return
            if record.public_key == pending_enr[0] and not pending_enr[1].done():
                pending_enr[1].set_result(record)
