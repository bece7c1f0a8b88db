"""WebSocket subscriptions: ``eth_subscribe`` (newHeads, logs, newPendingTransactions,
syncing) and ``eth_unsubscribe``.

Notifications are driven by events, not polling: the chain tells ``SubscriptionHandlers`` when
its head moves (``Blockchain.head_listeners``, on the writer thread) and the pool when it admits
a transaction (``Mempool.listeners``); the event loop then encodes each new header once and
hands it to every subscriber, a slice at a time (loop callbacks, no task) so that other
requests are answered in between. Subscriptions are capped per connection (``--rpc.max-subscriptions-per-connection``)
and in all (``--rpc.max-subscriptions``); they end with their connection, or on unsubscribe. A
subscriber that does not read is dropped by its connection's send queue
(``ethrex.rpc.connections``).
"""

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import orjson

from ethrex.rpc.chainview import ChainView
from ethrex.rpc.connections import Connection, current_connection, notification
from ethrex.rpc.errors import LIMIT_EXCEEDED, RpcError, invalid_params
from ethrex.rpc.filters import FilterHandlers, LogCriteria, parse_criteria
from ethrex.rpc.types import header_json
from ethrex.types.header import Header

MAX_HEADERS_PER_EVENT = 256  # a long import notifies its last blocks only (and the head)
FANOUT_SLICE = 512  # notifications sent before the loop answers other requests again


class SubscriptionHandlers:
    """The node's subscriptions, by kind: ``id -> connection`` (and criteria for logs)."""

    def __init__(self, view: ChainView) -> None:
        self.view = view
        self.filters = FilterHandlers(view)  # its block log cache, shared by every logs sub
        limits = view.ctx.limits
        self.per_connection = limits.max_subscriptions_per_connection
        self.total = limits.max_subscriptions
        self.heads: dict[str, Connection] = {}
        self.logs: dict[str, tuple[Connection, LogCriteria]] = {}
        self.pending: dict[str, Connection] = {}
        self.syncing: dict[str, Connection] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last: Header | None = None  # the head last notified
        self._new_txs: list[bytes] = []  # admitted since the last notifications
        self._scheduled = False  # a ``_pump`` is due on the loop
        self._work: Iterator[bool] | None = None  # notifications left to send

    def table(self) -> dict[str, Any]:
        return {"eth_subscribe": self.subscribe, "eth_unsubscribe": self.unsubscribe}

    def count(self) -> int:
        return len(self.heads) + len(self.logs) + len(self.pending) + len(self.syncing)

    # -- methods -----------------------------------------------------------------------------

    async def subscribe(self, kind: Any, options: Any = None) -> str:
        conn = current_connection()
        if conn is None:
            raise RpcError(-32601, "notifications not supported")
        if conn.closed:  # dropped while its batch was being answered: nothing to hold
            raise RpcError(LIMIT_EXCEEDED, "connection closed")
        if len(conn.subscriptions) >= self.per_connection:
            raise RpcError(LIMIT_EXCEEDED, f"too many subscriptions on this connection (limit "
                                           f"{self.per_connection})")
        if self.count() >= self.total:
            raise RpcError(LIMIT_EXCEEDED, f"too many subscriptions on this node (limit "
                                           f"{self.total})")
        sub_id = "0x" + os.urandom(16).hex()
        if kind == "newHeads":
            self.heads[sub_id] = conn
        elif kind == "logs":
            if options is not None and not isinstance(options, dict):
                raise invalid_params("invalid argument 1: expected a filter object")
            self.logs[sub_id] = (conn, parse_criteria(options or {}))
        elif kind == "newPendingTransactions":
            self.pending[sub_id] = conn
        elif kind == "syncing":  # this node reports no sync progress: nothing is ever sent
            self.syncing[sub_id] = conn
        else:
            raise invalid_params(f"no \"{kind}\" subscription in eth namespace")
        if self._connection_closed not in conn.on_close:
            conn.on_close.append(self._connection_closed)
        conn.subscriptions.add(sub_id)
        self._listen()
        return sub_id

    async def unsubscribe(self, sub_id: Any) -> bool:
        conn = current_connection()
        if conn is None or not isinstance(sub_id, str) or sub_id not in conn.subscriptions:
            return False
        conn.subscriptions.discard(sub_id)
        self._forget(sub_id)
        return True

    def _forget(self, sub_id: str) -> None:
        self.heads.pop(sub_id, None)
        self.logs.pop(sub_id, None)
        self.pending.pop(sub_id, None)
        self.syncing.pop(sub_id, None)

    def _connection_closed(self, conn: Connection) -> None:
        for sub_id in conn.subscriptions:
            self._forget(sub_id)
        conn.subscriptions.clear()

    # -- events ------------------------------------------------------------------------------

    def _listen(self) -> None:
        """Once, on the first subscription: hear the chain and the pool from this loop."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._last = self.view.store.head_header()
        self.view.chain.head_listeners.append(self._on_head)
        self.view.ctx.mempool.listeners.append(self._on_transaction)

    def _on_head(self, _head: bytes) -> None:
        """On the writer thread: wake the loop (never fails the import that called it)."""
        self._call_soon(self._wake)

    def _on_transaction(self, tx_hash: bytes) -> None:
        self._call_soon(self._new_transaction, tx_hash)

    def _call_soon(self, callback: Any, *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass  # the loop closed meanwhile: the node is stopping

    def _new_transaction(self, tx_hash: bytes) -> None:
        if self.pending:
            self._new_txs.append(tx_hash)
            self._wake()

    def _wake(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._pump)

    def _pump(self) -> None:
        """Send up to ``FANOUT_SLICE`` notifications, then give the loop back to the other
        requests and come again while there are more (no task, no polling)."""
        self._scheduled = False
        work = self._work if self._work is not None else self._notifications()
        self._work = None
        for _ in range(FANOUT_SLICE):
            if not next(work, False):
                return
        self._work = work
        self._wake()

    def _notifications(self) -> Iterator[bool]:
        """Send every notification the events so far call for, one per step (True)."""
        while True:
            txs, self._new_txs = self._new_txs, []
            for tx_hash in txs:
                result = orjson.dumps("0x" + tx_hash.hex())
                for sub_id, conn in list(self.pending.items()):
                    conn.send(notification(sub_id, result))
                    yield True
            headers = self._new_headers()
            if not txs and not headers:
                return
            for header in headers:
                if self.heads:
                    result = orjson.dumps(header_json(header))
                    for sub_id, conn in list(self.heads.items()):
                        conn.send(notification(sub_id, result))
                        yield True
                if self.logs:
                    yield from self._logs(header)

    def _logs(self, header: Header) -> Iterator[bool]:
        bloom = int.from_bytes(header.logs_bloom, "big")
        block = None
        for sub_id, (conn, criteria) in list(self.logs.items()):
            if not criteria.bloom_may_match(bloom):
                continue
            if block is None:
                block = self.view.store.get_block(header.hash())
                if block is None:
                    return
            for log in self.filters.block_logs(block, criteria):
                conn.send(notification(sub_id, orjson.dumps(log)))
                yield True

    def _new_headers(self) -> list[Header]:
        """The canonical headers since the last notified head: just the head after a reorg to a
        shorter or equal chain; the last ``MAX_HEADERS_PER_EVENT`` of a long import."""
        store = self.view.store
        head = store.head_header()
        last = self._last
        if head is None or (last is not None and head.hash() == last.hash()):
            return []
        self._last = head
        if last is None or head.number <= last.number:
            return [head]
        first = max(last.number + 1, head.number - MAX_HEADERS_PER_EVENT + 1)
        out = []
        for number in range(first, head.number + 1):
            header = store.get_header_by_number(number)
            if header is not None:
                out.append(header)
        return out
