"""What one RPC port lets a client hold: a capped number of open connections, a deadline for a
new connection's first request, and, per WebSocket, a bounded queue of unsent messages.

``ConnectionGate`` is aiohttp's low-level server with the cap and the deadline: past
``max_connections`` a new connection is answered 503 and closed at once, so a flood of idle
sockets on the public port holds at most that many file descriptors and never reaches the
Engine API port's own cap (geth and reth cap per server too). ``Connection`` is a WebSocket
client as the handlers see it (``current_connection()``): subscriptions push notifications
with ``send``; a client that lets more than ``limit`` bytes pile up unread is dropped and its
queue freed (geth drops a client whose notification buffer overflows).
"""

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("ethrex.rpc")

REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
           b"Content-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n")


def notification(subscription: str, result: bytes) -> bytes:
    """An ``eth_subscription`` message around an already-encoded ``result`` (encoded once for
    every subscriber)."""
    return (b'{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"'
            + subscription.encode() + b'","result":' + result + b"}}")


class SendQueues:
    """The unsent bytes of all a server's WebSockets: past ``limit`` in all, the client
    furthest behind is dropped, so the memory notifications take stays bounded however many
    clients stop reading a little."""

    __slots__ = ("limit", "total", "open")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.open: set[Connection] = set()

    def trim(self) -> None:
        while self.total > self.limit and self.open:
            furthest = max(self.open, key=lambda conn: conn.queued)
            furthest.close(f"the furthest behind when all queues passed {self.limit} bytes")


class Connection:
    """One WebSocket client: its queue of outgoing messages (at most ``limit`` bytes, and a
    share of ``queues``), the ids of its subscriptions, and what to do when it closes."""

    __slots__ = ("queue", "queued", "limit", "queues", "wake", "closed", "subscriptions",
                 "on_close", "transport")

    def __init__(self, limit: int, transport: asyncio.BaseTransport | None = None,
                 queues: SendQueues | None = None) -> None:
        self.queue: deque[bytes] = deque()
        self.queued = 0  # bytes in ``queue`` and in the write being sent
        self.limit = limit
        self.queues = queues if queues is not None else SendQueues(limit)
        self.queues.open.add(self)
        self.wake = asyncio.Event()
        self.closed = False
        self.subscriptions: set[str] = set()
        self.on_close: list[Callable[["Connection"], None]] = []
        self.transport = transport

    def send(self, data: bytes) -> None:
        """Queue a message; a client this far behind is dropped instead."""
        if self.closed:
            return
        self.queued += len(data)
        self.queues.total += len(data)
        if self.queued > self.limit:
            self.close(f"more than {self.limit} bytes unread")
            return
        self.queue.append(data)
        self.wake.set()
        if self.queues.total > self.queues.limit:
            self.queues.trim()

    def sent(self, data: bytes) -> None:
        """The writer handed ``data`` to the socket."""
        self.queued -= len(data)
        self.queues.total -= len(data)

    def close(self, reason: str | None = None) -> None:
        """Forget the queue, run the ``on_close`` callbacks (subscriptions go), and, when
        ``reason`` says the client is at fault, cut the socket at once."""
        if self.closed:
            return
        self.closed = True
        self.queue.clear()
        self.queues.total -= self.queued
        self.queues.open.discard(self)
        self.queued = 0
        self.wake.set()
        callbacks, self.on_close = self.on_close, []
        for callback in callbacks:
            callback(self)
        if reason is not None:
            log.info("dropped a WebSocket client: %s", reason)
            if self.transport is not None:
                self.transport.abort()


_connection: contextvars.ContextVar[Connection | None] = contextvars.ContextVar(
    "rpc_connection", default=None
)


def current_connection() -> Connection | None:
    """The WebSocket connection serving the current request (None over HTTP)."""
    return _connection.get()


def set_current_connection(conn: Connection | None) -> contextvars.Token[Connection | None]:
    return _connection.set(conn)


class _Refuse(asyncio.Protocol):
    """A connection over the cap: one 503 and the socket is closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(REFUSED)
        transport.close()


class ConnectionGate(web.Server):
    """aiohttp's low-level server, with at most ``max_connections`` open at once and
    ``header_timeout`` seconds for a new connection to send its first request's headers (later
    ones get the keep-alive idle timeout)."""

    def __init__(self, handler: Any, max_connections: int, header_timeout: float,
                 **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.open = 0
        self.refused = 0
        self._deadlines: dict[RequestHandler, asyncio.TimerHandle] = {}

    def __call__(self) -> Any:
        if self.open >= self.max_connections:
            self.refused += 1
            return _Refuse()
        self.open += 1
        return super().__call__()

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        loop = asyncio.get_running_loop()
        self._deadlines[handler] = loop.call_later(self.header_timeout, transport.abort)

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        super().connection_lost(handler, exc)
        self.open -= 1
        self.request_started(handler)

    def request_started(self, handler: RequestHandler) -> None:
        """A request arrived on ``handler``'s connection: its header deadline is over."""
        deadline = self._deadlines.pop(handler, None)
        if deadline is not None:
            deadline.cancel()
