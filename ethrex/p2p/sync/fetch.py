"""Asking the peers for chain data during sync: pick a suitable idle peer, send the request,
check the answer, try another peer when one fails.

A peer whose answer breaks a rule (``PeerError`` from the check) is dropped and banned; one
that times out is rested for a while. ``request`` waits for peers when none is suitable.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from ethrex.p2p.errors import PeerError
from ethrex.p2p.peer import Peer
from ethrex.p2p.peers import PeerSet

log = logging.getLogger("ethrex.sync")

T = TypeVar("T")

MAX_IN_FLIGHT = 2  # sync requests per peer at once
REST_AFTER_TIMEOUT = 5.0
REST_IF_LACKING = 1.0  # a peer that did not have the data is asked again a little later
MAX_WAIT = 300.0  # seconds without any peer to ask before a request gives up
REQUEST_TIMEOUT = 10.0


class Unavailable(Exception):
    """A peer does not have what we asked (an empty answer): no offence, ask another."""


class NoPeers(Exception):
    """No peer can serve the request (raised only when ``wait`` is False)."""


class Fetcher:
    """Sync's view of the peer set: load per peer, resting peers, retries."""

    def __init__(self, peers: PeerSet) -> None:
        self.peers = peers
        self.busy: dict[Peer, int] = {}
        self.resting: dict[Peer, float] = {}
        self.served: dict[Peer, int] = {}  # answers per peer (a peer that serves wins ties)
        self.freed = asyncio.Event()  # a request finished: a busy peer may be free again

    def pick(self, suitable: Callable[[Peer], bool]) -> Peer | None:
        now = time.monotonic()
        best: Peer | None = None
        for peer in self.peers.eth_peers():
            if self.busy.get(peer, 0) >= MAX_IN_FLIGHT or self.resting.get(peer, 0) > now:
                continue
            if not suitable(peer):
                continue
            if best is None or (self.busy.get(peer, 0), -self.served.get(peer, 0)) < \
                    (self.busy.get(best, 0), -self.served.get(best, 0)):
                best = peer
        return best

    async def request(self, cap: str, code: int, fields: list[Any] | Callable[[Peer], list[Any]],
                      check: Callable[..., T],
                      suitable: Callable[[Peer], bool] = lambda p: True,
                      timeout: float = REQUEST_TIMEOUT, attempts: int = 30) -> T:
        """The checked answer of the first peer that gives a good one; ``fields`` may depend on
        the peer (its protocol version). ``NoPeers`` after ``attempts`` failed answers, or
        when no suitable peer shows up for ``MAX_WAIT`` seconds."""
        failures = 0
        waited_since: float | None = None
        while failures < attempts:
            peer = self.pick(suitable)
            if peer is None:
                now = time.monotonic()
                waited_since = waited_since or now
                if now - waited_since > MAX_WAIT:
                    raise NoPeers(f"no peer to ask {cap} {code:#x} for {MAX_WAIT:.0f}s")
                await self._wait_for_peers()
                continue
            waited_since = None
            failures += 1
            self.busy[peer] = self.busy.get(peer, 0) + 1
            try:
                body = fields(peer) if callable(fields) else fields
                items = await peer.request(cap, code, body, timeout)
                result = check(peer, items)
            except PeerError as exc:
                self.peers.drop(peer, exc)
                continue
            except (TimeoutError, Unavailable) as exc:
                log.debug("%s: %s %#x: %s", peer, cap, code, exc or "timeout")
                rest = REST_AFTER_TIMEOUT if isinstance(exc, TimeoutError) else REST_IF_LACKING
                self.resting[peer] = time.monotonic() + rest
                continue
            except (ConnectionError, OSError):
                continue
            finally:
                self.busy[peer] -= 1
                if self.busy[peer] <= 0:
                    del self.busy[peer]
                self.freed.set()
            self.served[peer] = self.served.get(peer, 0) + 1
            return result
        raise NoPeers(f"no peer answered {cap} {code:#x} after {attempts} attempts")

    async def _wait_for_peers(self) -> None:
        """Until a peer connects or a request ends (at most a second: resting peers wake)."""
        changed, freed = self.peers.changed, self.freed
        changed.clear()
        freed.clear()
        waiters = [asyncio.ensure_future(changed.wait()), asyncio.ensure_future(freed.wait())]
        try:
            await asyncio.wait(waiters, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


@asynccontextmanager
async def task_group() -> AsyncIterator[asyncio.TaskGroup]:
    """An ``asyncio.TaskGroup`` whose failure surfaces as the first error itself rather than an
    ``ExceptionGroup``, so that callers catch ``NoPeers`` or ``SyncFailed`` as they would from
    a plain call."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as failed:
        first: BaseException = failed
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
