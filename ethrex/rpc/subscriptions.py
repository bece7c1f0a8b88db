"""WebSocket subscriptions: ``eth_subscribe`` (newHeads, logs, newPendingTransactions,
syncing) and ``eth_unsubscribe``.

Each subscription is a task owned by its connection (it ends with the connection or on
unsubscribe). It watches the store's head pointer, so it sees blocks however they arrive
(import, Engine API, dev mode) without a hook in the writer.
"""

import asyncio
import os
from typing import Any

from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import RpcError, invalid_params
from ethrex.rpc.filters import FilterHandlers, LogCriteria, parse_criteria
from ethrex.rpc.server import current_connection
from ethrex.rpc.types import data, header_json
from ethrex.types.header import Header

POLL_INTERVAL = 0.05  # seconds between looks at the head pointer


class SubscriptionHandlers:
    def __init__(self, view: ChainView) -> None:
        self.view = view
        self.logs = FilterHandlers(view)

    def table(self) -> dict[str, Any]:
        return {"eth_subscribe": self.subscribe, "eth_unsubscribe": self.unsubscribe}

    async def subscribe(self, kind: Any, options: Any = None) -> str:
        conn = current_connection()
        if conn is None:
            raise RpcError(-32601, "notifications not supported")
        sub_id = "0x" + os.urandom(16).hex()
        if kind == "newHeads":
            conn.spawn(sub_id, self._heads(conn, sub_id, None))
        elif kind == "logs":
            if options is not None and not isinstance(options, dict):
                raise invalid_params("invalid argument 1: expected a filter object")
            conn.spawn(sub_id, self._heads(conn, sub_id, parse_criteria(options or {})))
        elif kind == "newPendingTransactions":
            conn.spawn(sub_id, self._pending(conn, sub_id, bool(options)))
        elif kind == "syncing":
            conn.spawn(sub_id, _idle())
        else:
            raise invalid_params(f"no \"{kind}\" subscription in eth namespace")
        return sub_id

    async def unsubscribe(self, sub_id: Any) -> bool:
        conn = current_connection()
        if conn is None or not isinstance(sub_id, str):
            return False
        return conn.cancel(sub_id)

    def _new_headers(self, last: Header, head: Header) -> list[Header]:
        """Canonical headers after ``last`` up to ``head`` (just ``head`` after a reorg to a
        shorter or equal chain)."""
        if head.number <= last.number:
            return [head]
        store = self.view.store
        out = []
        for number in range(last.number + 1, head.number + 1):
            header = store.get_header_by_number(number)
            if header is not None:
                out.append(header)
        return out

    async def _heads(self, conn: Any, sub_id: str, criteria: LogCriteria | None) -> None:
        store = self.view.store
        last = store.head_header()
        last_hash = None if last is None else last.hash()
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            head_hash = store.head()
            if head_hash is None or head_hash == last_hash:
                continue
            head = store.get_header(head_hash)
            if head is None:
                continue
            headers = [head] if last is None else self._new_headers(last, head)
            for header in headers:
                if criteria is None:
                    conn.notify(sub_id, header_json(header))
                    continue
                if not criteria.bloom_may_match(int.from_bytes(header.logs_bloom, "big")):
                    continue
                block = store.get_block(header.hash())
                if block is not None:
                    for log in self.logs.block_logs(block, criteria):
                        conn.notify(sub_id, log)
            last, last_hash = head, head_hash

    async def _pending(self, conn: Any, sub_id: str, full: bool) -> None:
        hashes = self.view.ctx.mempool.pending_hashes
        seen: set[bytes] = set(hashes())
        while True:
            await asyncio.sleep(POLL_INTERVAL * 4)
            current = list(hashes())
            for h in current:
                if h not in seen:
                    conn.notify(sub_id, data(h))
            seen = set(current)


async def _idle() -> None:
    """``syncing``: this node reports no sync progress; the subscription just stays open."""
    await asyncio.Event().wait()
