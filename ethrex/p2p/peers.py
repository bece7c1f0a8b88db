"""The set of connected peers: how many we keep, who is banned for a while, and which peer
serves a request best.

Misbehaving peers (a breach of protocol, a subprotocol error, an invalid identity, a useless
peer) are banned by node key for ``BAN_SECONDS``; an inbound connection from a banned key is
refused right after the RLPx handshake, and we do not dial it.
"""

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from ethrex.p2p.errors import MISBEHAVIOUR, DisconnectReason, PeerError
from ethrex.p2p.peer import Peer

log = logging.getLogger("ethrex.p2p")

BAN_SECONDS = 120.0


class PeerSet:
    """Connected peers by node key, with the limits and bans that admit them."""

    def __init__(self, max_peers: int) -> None:
        self.max_peers = max_peers
        self.peers: dict[bytes, Peer] = {}
        self.banned: dict[bytes, float] = {}
        self.tasks: dict[Peer, asyncio.Task[Any]] = {}
        self.drop_reasons: dict[Peer, PeerError] = {}
        self.group: asyncio.TaskGroup | None = None
        self.changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self.peers)

    # -- admission ---------------------------------------------------------------------------

    def is_banned(self, public_key: bytes) -> bool:
        until = self.banned.get(public_key)
        if until is None:
            return False
        if until < time.monotonic():
            del self.banned[public_key]
            return False
        return True

    def ban(self, public_key: bytes, seconds: float = BAN_SECONDS) -> None:
        self.banned[public_key] = time.monotonic() + seconds

    def admit(self, public_key: bytes, inbound: bool) -> None:
        """Raise ``PeerError`` when a session with ``public_key`` may not start."""
        if self.is_banned(public_key):
            raise PeerError(DisconnectReason.USELESS_PEER, "banned for an earlier violation")
        if public_key in self.peers:
            raise PeerError(DisconnectReason.ALREADY_CONNECTED, "already connected")
        if len(self.peers) >= self.max_peers:
            raise PeerError(DisconnectReason.TOO_MANY_PEERS, f"{len(self.peers)} peers")

    def add(self, peer: Peer, task: asyncio.Task[Any]) -> None:
        self.admit(peer.public_key, peer.inbound)
        self.peers[peer.public_key] = peer
        self.tasks[peer] = task
        self.changed.set()

    def remove(self, peer: Peer, reason: BaseException | None) -> None:
        if self.peers.get(peer.public_key) is peer:
            del self.peers[peer.public_key]
        self.tasks.pop(peer, None)
        self.drop_reasons.pop(peer, None)
        if isinstance(reason, PeerError) and reason.reason in MISBEHAVIOUR:
            self.ban(peer.public_key)
        self.changed.set()

    def drop(self, peer: Peer, error: PeerError) -> None:
        """End a peer's session from outside it (a bad response to one of our requests)."""
        log.debug("dropping %s: %s", peer, error)
        peer.closing = True
        self.drop_reasons[peer] = error
        task = self.tasks.get(peer)
        if task is not None:
            task.cancel()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a background job (a transaction fetch) owned by the service's task group."""
        if self.group is None:
            coro.close()
            return
        self.group.create_task(coro)

    # -- selection ---------------------------------------------------------------------------

    def eth_peers(self) -> list[Peer]:
        return [p for p in self.peers.values() if p.status is not None and not p.closing]

    def snap_peers(self) -> list[Peer]:
        return [p for p in self.eth_peers() if p.has_snap]
