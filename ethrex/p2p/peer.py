"""One connected peer: its session, what it told us, our requests to it, and the rules it must
keep (request rate, message sizes, only answers to questions we asked).

``Peer.run`` owns three tasks in one ``TaskGroup``: the reader (answers Ping, delivers responses
to the requests waiting for them, queues the peer's requests), the server (answers the queued
requests one at a time through the protocol handlers) and the pinger. The first error ends
the session: a ``PeerError`` becomes a Disconnect with its reason.
"""

import asyncio
import itertools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ethrex import rlp
from ethrex.p2p.errors import DisconnectReason, PeerError
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.eth.protocol import Status
from ethrex.p2p.session import PING, PONG, Session
from ethrex.p2p.wire import as_int, as_list, breach, decode
from ethrex.rlp import Item

PING_INTERVAL = 15.0
PONG_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0
MAX_QUEUED_REQUESTS = 64  # requests waiting to be served; more is a flood
MAX_MESSAGE_SIZE = 10 * 1024 * 1024  # eth and snap both cap a message at 10 MiB

# response message id -> the request id it answers, per capability
RESPONSES = {
    "eth": {eth.BLOCK_HEADERS: eth.GET_BLOCK_HEADERS, eth.BLOCK_BODIES: eth.GET_BLOCK_BODIES,
            eth.POOLED_TRANSACTIONS: eth.GET_POOLED_TRANSACTIONS, eth.RECEIPTS: eth.GET_RECEIPTS,
            eth.BLOCK_ACCESS_LISTS: eth.GET_BLOCK_ACCESS_LISTS, eth.CELLS: eth.GET_CELLS},
    "snap": {1: 0, 3: 2, 5: 4, 7: 6},
}


class RateLimiter:
    """A token bucket: ``rate`` requests a second on average, bursts of ``burst``."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(slots=True)
class _Pending:
    cap: str
    code: int  # the response id expected
    future: "asyncio.Future[list[Item]]"


Handler = Callable[["Peer", str, int, bytes], Awaitable[None]]


class Peer:
    """A peer after Hello (and, once ``status`` is set, after the eth Status exchange)."""

    def __init__(self, session: Session, inbound: bool, address: tuple[str, int],
                 request_rate: float = 200.0, request_burst: float = 400.0) -> None:
        self.session = session
        self.inbound = inbound
        self.address = address
        self.public_key = session.hello.public_key
        self.client_id = session.hello.client_id
        self.status: Status | None = None
        self.head_number = 0
        self.head_hash = b""
        self.earliest = 0
        self.pending: dict[int, _Pending] = {}
        self.timed_out: OrderedDict[int, None] = OrderedDict()  # late answers are no offence
        self.requests = itertools.count(int.from_bytes(b"eth", "big") << 32)
        self.limiter = RateLimiter(request_rate, request_burst)
        self.queue: asyncio.Queue[tuple[str, int, bytes]] = asyncio.Queue(MAX_QUEUED_REQUESTS)
        self.known_txs: OrderedDict[bytes, None] = OrderedDict()
        self.last_pong = time.monotonic()
        self.connected_at = time.time()
        self.closing = False

    # -- identity --------------------------------------------------------------------------

    @property
    def eth_version(self) -> int:
        cap = self.session.caps.get("eth")
        return cap.version if cap is not None else 0

    @property
    def has_snap(self) -> bool:
        return "snap" in self.session.caps

    def caps(self) -> list[str]:
        return [f"{c.name}/{c.version}" for c in self.session.caps.values()]

    def __repr__(self) -> str:
        return f"Peer({self.public_key[:4].hex()} {self.address[0]}:{self.address[1]})"

    # -- sending ---------------------------------------------------------------------------

    def send(self, cap: str, code: int, payload: bytes) -> None:
        if not self.closing:
            self.session.send(cap, code, payload)

    async def flush(self) -> None:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            await self.session.transport.drain()

    def mark_tx_known(self, tx_hash: bytes) -> None:
        known = self.known_txs
        known[tx_hash] = None
        if len(known) > 32768:
            known.popitem(last=False)

    async def request(self, cap: str, code: int, fields: list[Any], timeout: float = REQUEST_TIMEOUT
                      ) -> list[Item]:
        """Send ``[request-id, *fields]`` and wait for the response's fields (after its id).
        Raises ``TimeoutError`` when the peer does not answer in time."""
        request_id = next(self.requests)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Item]] = loop.create_future()
        response = {v: k for k, v in RESPONSES[cap].items()}[code]
        self.pending[request_id] = _Pending(cap, response, future)
        try:
            self.send(cap, code, rlp.encode([request_id, *fields]))
            await self.flush()
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            self.timed_out[request_id] = None
            if len(self.timed_out) > 256:
                self.timed_out.popitem(last=False)
            raise
        finally:
            self.pending.pop(request_id, None)

    # -- the session -----------------------------------------------------------------------

    def _deliver(self, cap: str, code: int, payload: bytes) -> None:
        items = as_list(decode(payload, f"{cap} response"), f"{cap} response", min_length=2)
        request_id = as_int(items[0], "request id")
        pending = self.pending.get(request_id)
        if pending is None:
            if request_id in self.timed_out:
                return
            raise breach(f"unsolicited {cap} response {code:#x} (request id {request_id})")
        if (pending.cap, pending.code) != (cap, code):
            raise breach(f"{cap} response {code:#x} to a request expecting {pending.code:#x}")
        if not pending.future.done():
            pending.future.set_result(items[1:])

    async def _read_loop(self) -> None:
        session = self.session
        while True:
            cap, code, payload = await session.read(MAX_MESSAGE_SIZE)
            if cap == "p2p":
                if code == PING:
                    session.send_base(PONG, b"\xc0")
                elif code == PONG:
                    self.last_pong = time.monotonic()
                else:
                    raise breach(f"unexpected base message {code:#x}")
                continue
            if code in RESPONSES.get(cap, {}):
                self._deliver(cap, code, payload)
                continue
            if not self.limiter.take():
                raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL, "request flood")
            try:
                self.queue.put_nowait((cap, code, payload))
            except asyncio.QueueFull:
                raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL,
                                "too many requests waiting") from None

    async def _serve_loop(self, handler: Handler) -> None:
        while True:
            cap, code, payload = await self.queue.get()
            await handler(self, cap, code, payload)
            await self.flush()

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(PING_INTERVAL)
            if time.monotonic() - self.last_pong > PING_INTERVAL + PONG_TIMEOUT:
                raise PeerError(DisconnectReason.PING_TIMEOUT, "no Pong")
            self.session.send_base(PING, b"\xc0")
            await self.flush()

    async def run(self, handler: Handler) -> None:
        """Serve the session until it ends; raises what ended it (``PeerError``,
        ``Disconnected``, ``OSError``, ``asyncio.IncompleteReadError``...)."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._read_loop())
                group.create_task(self._serve_loop(handler))
                group.create_task(self._ping_loop())
        except BaseExceptionGroup as group:
            raise group.exceptions[0] from None

    def fail_pending(self, exc: BaseException) -> None:
        for pending in self.pending.values():
            if not pending.future.done():
                pending.future.set_exception(exc)
