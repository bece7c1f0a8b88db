"""The running devp2p node: listens and dials, runs every peer session, and owns discovery,
transaction exchange and sync.

``P2PService.run()`` is one ``TaskGroup``: the TCP listener's sessions, the dialler, discovery
(when enabled), the transaction broadcaster and the sync manager. Each session goes RLPx
handshake -> Hello -> eth Status (same network, genesis and a compatible EIP-2124 fork id) ->
``Peer.run``; whatever ends it is turned into a Disconnect with its reason.
"""

import asyncio
import ipaddress
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ethrex import rlp
from ethrex.blockchain.blockchain import Blockchain
from ethrex.errors import EthrexError
from ethrex.p2p.discv4.server import Discovery
from ethrex.p2p.enode import ENode, local_enode, node_id, parse_enode
from ethrex.p2p.enr import NodeRecord, make_record
from ethrex.p2p.errors import DisconnectReason, HandshakeError, PeerError
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.eth.forkid import ForkFilter
from ethrex.p2p.eth.handler import EthHandler
from ethrex.p2p.eth.transactions import TxSync
from ethrex.p2p.peer import MAX_MESSAGE_SIZE, Peer
from ethrex.p2p.peers import PeerSet
from ethrex.p2p.rlpx.transport import Transport, accept, initiate
from ethrex.p2p.session import PING, PONG, Disconnected, Hello, Session, send_disconnect
from ethrex.p2p.snap import protocol as snap
from ethrex.p2p.snap.handler import SnapHandler
from ethrex.p2p.sync.manager import SyncManager
from ethrex.p2p.wire import breach

log = logging.getLogger("ethrex.p2p")

STATUS_TIMEOUT = 5.0
DIAL_TIMEOUT = 5.0
DIAL_INTERVAL = 1.0
REDIAL_BACKOFF = 10.0
BLOCK_RANGE_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class P2PConfig:
    """What the command line says about networking."""

    private_key: bytes
    listen_addr: str = "0.0.0.0"
    tcp_port: int = 30303
    discovery_addr: str = "0.0.0.0"
    udp_port: int = 30303
    discovery: bool = True
    bootnodes: tuple[ENode, ...] = ()
    max_peers: int = 50
    client_id: str = "ethrex/0.1.0"
    network_id: int | None = None  # the chain id when not given
    sync_mode: str = "full"
    external_ip: str | None = None  # --nat extip: what we tell peers our address is


def _public_ip(addr: str) -> str:
    return "127.0.0.1" if addr in ("0.0.0.0", "::", "") else addr


class P2PService:
    """Peers, discovery, transactions and sync for one node."""

    def __init__(self, chain: Blockchain, mempool: Any, executor: Any, config: P2PConfig,
                 datadir: Path | None = None) -> None:
        self.chain = chain
        self.store = chain.store
        self.mempool = mempool
        self.executor = executor
        self.config = config
        self.peers = PeerSet(config.max_peers)
        self.txs = TxSync(mempool, self.peers)
        self.eth = EthHandler(self.store, mempool, self.txs)
        self.snap = SnapHandler(self.store)
        self.sync = SyncManager(chain, executor, self.peers, config.sync_mode, datadir)
        self.discovery = Discovery(config.private_key, lambda: self.record,
                                   lambda: self.tcp_port, config.bootnodes,
                                   config.external_ip) if config.discovery else None
        genesis = chain.store.get_header_by_number(0)
        if genesis is None:
            raise EthrexError("the store has no genesis header")
        self.genesis_hash = genesis.hash()
        self.forks = ForkFilter(chain.config, self.genesis_hash, genesis.timestamp)
        self.network_id = config.network_id or chain.config.chain_id
        # Bootnodes seed discovery; without discovery they are dialled directly.
        self.static: dict[bytes, ENode] = {} if config.discovery else {
            b.public_key: b for b in config.bootnodes}
        self.last_dial: dict[bytes, float] = {}
        self.server: asyncio.Server | None = None
        self.tcp_port = config.tcp_port
        self.udp_port = config.udp_port
        self.record: NodeRecord | None = None
        self.group: asyncio.TaskGroup | None = None
        self.dial_wakeup = asyncio.Event()
        self.caps: dict[str, dict[int, int]] = {"eth": dict(eth.LENGTHS),
                                                "snap": {snap.VERSION: snap.LENGTH}}

    # -- identity ----------------------------------------------------------------------------

    @property
    def enode(self) -> ENode:
        ip = self.config.external_ip or _public_ip(self.config.listen_addr)
        return local_enode(self.config.private_key, ip, self.tcp_port, self.udp_port)

    def _hello(self) -> Hello:
        caps = tuple((name, v) for name, versions in sorted(self.caps.items())
                     for v in sorted(versions))
        return Hello(5, self.config.client_id, caps, self.tcp_port, self.enode.public_key)

    def make_record(self) -> NodeRecord:
        """Our EIP-778 record: endpoint and the EIP-2124 ``eth`` entry."""
        head = self.chain.head_header()
        fork = self.forks.fork_id(head.number, head.timestamp)
        ip = ipaddress.ip_address(self.config.external_ip
                                  or _public_ip(self.config.discovery_addr))
        seq = int(time.time() * 1000)  # always above the last record's
        return make_record(self.config.private_key, seq, {
            b"ip" if ip.version == 4 else b"ip6": ip.packed, b"tcp": self.tcp_port,
            b"udp": self.udp_port, b"eth": [[fork.hash, fork.next]]})

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the TCP listener (and discovery's UDP socket); ``run()`` then serves."""
        self.server = await asyncio.start_server(self._on_accept, self.config.listen_addr,
                                                 self.config.tcp_port)
        self.tcp_port = self.server.sockets[0].getsockname()[1]
        if self.config.discovery and self.discovery is not None:
            self.udp_port = await self.discovery.start(self.config.discovery_addr,
                                                       self.config.udp_port)
        else:
            self.udp_port = 0
        self.record = self.make_record()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for peer in list(self.peers.peers.values()):
            self.peers.drop(peer, PeerError(DisconnectReason.CLIENT_QUITTING, "shutting down"))
        if self.discovery is not None:
            self.discovery.close()

    async def run(self) -> None:
        """Serve until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                self.group = self.peers.group = group
                group.create_task(self._dial_loop())
                group.create_task(self._block_range_loop())
                group.create_task(self.txs.broadcast_loop())
                if self.discovery is not None and self.config.discovery:
                    group.create_task(self.discovery.run())
                group.create_task(self.sync.run())
        finally:
            self.group = self.peers.group = None

    # -- sessions ----------------------------------------------------------------------------

    async def _on_accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        group = self.group
        if group is None:
            writer.close()
            return
        group.create_task(self._inbound(reader, writer))

    async def _inbound(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("peername") or ("?", 0)
        try:
            transport = await accept(reader, writer, self.config.private_key)
        except (HandshakeError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            log.debug("inbound handshake from %s failed: %s", address, exc)
            writer.close()
            return
        await self._session(transport, True, (address[0], address[1]))

    async def dial(self, node: ENode) -> None:
        """Connect to ``node`` and run the session until it ends."""
        self.last_dial[node.public_key] = time.monotonic()
        try:
            async with asyncio.timeout(DIAL_TIMEOUT):
                reader, writer = await asyncio.open_connection(node.ip, node.tcp_port)
            transport = await initiate(reader, writer, self.config.private_key, node.public_key)
        except (HandshakeError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            log.debug("dial %s failed: %s", node.url(), exc)
            return
        await self._session(transport, False, (node.ip, node.tcp_port))

    async def _session(self, transport: Transport, inbound: bool, address: tuple[str, int]
                       ) -> None:
        try:
            session = await Session.start(transport, self._hello(), self.caps)
            self.peers.admit(session.hello.public_key, inbound)
            if "eth" not in session.caps:
                raise PeerError(DisconnectReason.USELESS_PEER, "no eth capability")
        except PeerError as exc:
            log.debug("session with %s refused: %s", address, exc)
            await send_disconnect(transport, exc.reason)
            return
        except (Disconnected, OSError, asyncio.IncompleteReadError, TimeoutError,
                HandshakeError) as exc:
            log.debug("session with %s failed: %s", address, exc)
            transport.close()
            return
        peer = Peer(session, inbound, address)
        reason: BaseException | None = None
        try:
            await self._exchange_status(peer)
            task = asyncio.current_task()
            assert task is not None
            self.peers.add(peer, task)
            log.info("peer connected: %s %s %s (%d peers)", peer.client_id,
                     ",".join(peer.caps()), "in" if inbound else "out", len(self.peers))
            self.txs.announce_pool_to(peer)
            self.sync.on_peer(peer)
            await peer.run(self._handle)
        except asyncio.CancelledError:
            dropped = self.peers.drop_reasons.get(peer)
            if dropped is None:
                reason = PeerError(DisconnectReason.CLIENT_QUITTING, "stopping")
                raise
            reason = dropped
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except (PeerError, Disconnected, OSError, asyncio.IncompleteReadError, TimeoutError,
                HandshakeError) as exc:
            reason = exc
        finally:
            self.peers.remove(peer, reason)
            peer.closing = True
            peer.fail_pending(ConnectionError(f"{peer} disconnected"))
            if isinstance(reason, PeerError):
                log.info("peer %s disconnected: %s", peer, reason)
                await session.disconnect(reason.reason)
            else:
                log.debug("peer %s gone: %s", peer, reason)
                transport.close()

    async def _exchange_status(self, peer: Peer) -> None:
        version = peer.eth_version
        head = self.chain.head_header()
        head_hash = head.hash()
        ours = eth.Status(version, self.network_id, self.genesis_hash,
                          self.forks.fork_id(head.number, head.timestamp), head_hash,
                          head_number=head.number, earliest=0,
                          total_difficulty=self.store.get_total_difficulty(head_hash) or 0)
        peer.send("eth", eth.STATUS, eth.encode_status(ours))
        await peer.flush()
        async with asyncio.timeout(STATUS_TIMEOUT):
            while True:
                cap, code, payload = await peer.session.read(MAX_MESSAGE_SIZE)
                if cap == "p2p" and code in (PING, PONG):
                    if code == PING:
                        peer.session.send_base(PONG, b"\xc0")
                    continue
                if cap == "eth" and code == eth.STATUS:
                    break
                raise breach(f"expected Status, got {cap} message {code:#x}")
        theirs = eth.decode_status(payload, version)
        problem = None
        if theirs.version != version:
            problem = f"Status version {theirs.version}, negotiated {version}"
        elif theirs.network_id != self.network_id:
            problem = f"network id {theirs.network_id}, ours is {self.network_id}"
        elif theirs.genesis != self.genesis_hash:
            problem = f"genesis {theirs.genesis.hex()}, ours is {self.genesis_hash.hex()}"
        else:
            problem = self.forks.check(theirs.fork_id, head.number, head.timestamp)
        if problem is not None:
            raise PeerError(DisconnectReason.SUBPROTOCOL_ERROR, problem)
        peer.status = theirs
        peer.head_hash = theirs.head_hash
        peer.head_number = theirs.head_number
        peer.earliest = theirs.earliest

    async def _handle(self, peer: Peer, cap: str, code: int, payload: bytes) -> None:
        if cap == "eth":
            await self.eth.handle(peer, code, payload)
        elif cap == "snap":
            await self.snap.handle(peer, code, payload)
        else:
            raise breach(f"{cap} message {code:#x} not served")

    # -- dialling ----------------------------------------------------------------------------

    def add_peer(self, url: str) -> bool:
        """admin_addPeer: keep ``url`` connected (redialled when it drops)."""
        node = parse_enode(url)
        self.static[node.public_key] = node
        self.last_dial.pop(node.public_key, None)
        self.dial_wakeup.set()
        return True

    def _dial_candidates(self) -> list[ENode]:
        now = time.monotonic()
        me = self.enode.public_key
        out = []
        candidates = list(self.static.values())
        if self.discovery is not None:
            candidates += self.discovery.candidates()
        seen = set()
        for node in candidates:
            key = node.public_key
            if key in seen or key == me or key in self.peers.peers or self.peers.is_banned(key):
                continue
            seen.add(key)
            if now - self.last_dial.get(key, -REDIAL_BACKOFF) < REDIAL_BACKOFF:
                continue
            out.append(node)
        return out

    async def _dial_loop(self) -> None:
        outbound_target = max(1, self.config.max_peers // 3)
        while True:
            outbound = sum(1 for p in self.peers.peers.values() if not p.inbound)
            free = min(outbound_target - outbound, self.config.max_peers - len(self.peers))
            if free > 0 and self.group is not None:
                for node in self._dial_candidates()[:free]:
                    self.group.create_task(self.dial(node))
            self.dial_wakeup.clear()
            try:
                async with asyncio.timeout(DIAL_INTERVAL):
                    await self.dial_wakeup.wait()
            except TimeoutError:
                pass

    async def _block_range_loop(self) -> None:
        """Tell eth/69+ peers the blocks we serve when the head moved 32 blocks on, or back
        (EIP-7642 BlockRangeUpdate, as go-ethereum paces it)."""
        sent = self.chain.head_header().number
        while True:
            await asyncio.sleep(BLOCK_RANGE_INTERVAL)
            head = self.chain.head_header()
            if head.number - sent < 32 and head.number >= sent:
                continue
            sent = head.number
            update = rlp.encode([0, head.number, head.hash()])
            for peer in self.peers.eth_peers():
                if peer.eth_version >= eth.ETH69:
                    peer.send("eth", eth.BLOCK_RANGE_UPDATE, update)

    # -- admin -------------------------------------------------------------------------------

    def node_info(self) -> dict[str, Any]:
        enode = self.enode
        head = self.chain.head_header()
        record = self.record or self.make_record()
        return {
            "id": node_id(enode.public_key).hex(),
            "name": self.config.client_id,
            "enode": enode.url(),
            "enr": record.text(),
            "ip": enode.ip,
            "ports": {"discovery": self.udp_port, "listener": self.tcp_port},
            "listenAddr": f"{self.config.listen_addr}:{self.tcp_port}",
            "protocols": {
                "eth": {"network": self.network_id, "genesis": "0x" + self.genesis_hash.hex(),
                        "head": "0x" + head.hash().hex(),
                        "config": {"chainId": self.chain.config.chain_id}},
                **({"snap": {}} if "snap" in self.caps else {}),
            },
        }

    def peer_infos(self) -> list[dict[str, Any]]:
        out = []
        for peer in list(self.peers.peers.values()):
            transport = peer.session.transport
            local = transport.writer.get_extra_info("sockname") or ("", 0)
            protocols: dict[str, Any] = {}
            if peer.status is not None:
                protocols["eth"] = {"version": peer.eth_version,
                                    "earliestBlock": peer.earliest,
                                    "latestBlock": peer.head_number,
                                    "latestBlockHash": "0x" + peer.head_hash.hex()}
            if peer.has_snap:
                protocols["snap"] = {"version": peer.session.caps["snap"].version}
            out.append({
                "id": node_id(peer.public_key).hex(),
                "name": peer.client_id,
                "enode": ENode(peer.public_key, peer.address[0], peer.address[1],
                               peer.address[1]).url(),
                "caps": peer.caps(),
                "network": {"localAddress": f"{local[0]}:{local[1]}",
                            "remoteAddress": f"{peer.address[0]}:{peer.address[1]}",
                            "inbound": peer.inbound, "trusted": False,
                            "static": peer.public_key in self.static},
                "protocols": protocols,
            })
        return out

    def peer_count(self) -> int:
        return len(self.peers.eth_peers())

    def syncing(self) -> dict[str, Any] | bool:
        """``eth_syncing``: False, or the progress of the running sync."""
        return self.sync.syncing()

    @property
    def listening(self) -> bool:
        return self.server is not None and self.server.is_serving()
