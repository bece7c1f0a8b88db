"""Log queries and polling filters: ``eth_getLogs`` and ``eth_newFilter``,
``eth_newBlockFilter``, ``eth_newPendingTransactionFilter``, ``eth_getFilterChanges``,
``eth_getFilterLogs``, ``eth_uninstallFilter``.

A range query never re-executes: each header's logs bloom (Yellow Paper 4.3.1) rules out the
blocks that cannot match, and only the remaining blocks' stored receipts are read. What a
query needs of a block never changes once the block is stored, so ``BlockLogCache`` keeps it
by block hash: the bloom, the transaction hashes, and the logs already shaped as JSON. A
range walk is then one canonical-index read and one bloom test per block.
"""

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ethrex.primitives import keccak256
from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import RpcError, invalid_params
from ethrex.rpc.types import data, log_json
from ethrex.types.block import Block
from ethrex.types.transactions import transaction_hash

FILTER_TIMEOUT = 300.0  # seconds without a poll before a filter is dropped (geth: 5 minutes)
MAX_LOGS_RANGE = 100_000  # blocks per eth_getLogs request
MAX_FILTERS = 10_000


def bloom_mask(item: bytes) -> int:
    """The three bloom bits ``item`` sets (Yellow Paper M3:2048)."""
    h = keccak256(item)
    return (1 << (((h[0] << 8) | h[1]) & 2047)
            | 1 << (((h[2] << 8) | h[3]) & 2047)
            | 1 << (((h[4] << 8) | h[5]) & 2047))


@dataclass(frozen=True, slots=True)
class LogCriteria:
    """Addresses (any of; empty = all) and topics per position (None = wildcard)."""

    addresses: frozenset[bytes]
    topics: tuple[frozenset[bytes] | None, ...]
    address_masks: tuple[int, ...]
    topic_masks: tuple[tuple[int, ...] | None, ...]

    def bloom_may_match(self, bloom: int) -> bool:
        if self.address_masks and not any(bloom & m == m for m in self.address_masks):
            return False
        for masks in self.topic_masks:
            if masks is not None and not any(bloom & m == m for m in masks):
                return False
        return True

    def matches(self, address: bytes, topics: tuple[bytes, ...]) -> bool:
        if self.addresses and address not in self.addresses:
            return False
        if len(self.topics) > len(topics):
            return False
        for wanted, topic in zip(self.topics, topics):
            if wanted is not None and topic not in wanted:
                return False
        return True


def parse_criteria(obj: dict[str, Any]) -> LogCriteria:
    raw = obj.get("address")
    if raw is None:
        addresses: list[bytes] = []
    elif isinstance(raw, list):
        addresses = [P.address(a, 0) for a in raw]
    else:
        addresses = [P.address(raw, 0)]
    raw_topics = obj.get("topics") or []
    if not isinstance(raw_topics, list):
        raise invalid_params("invalid argument 0: topics must be an array")
    if len(raw_topics) > 4:
        raise invalid_params("invalid argument 0: too many topics (max 4)")
    topics: list[frozenset[bytes] | None] = []
    for position in raw_topics:
        if position is None or position == []:
            topics.append(None)
        elif isinstance(position, list):
            topics.append(frozenset(P.hash32(t, 0) for t in position if t is not None)
                          if None not in position else None)
        else:
            topics.append(frozenset([P.hash32(position, 0)]))
    return LogCriteria(
        frozenset(addresses),
        tuple(topics),
        tuple(bloom_mask(a) for a in addresses),
        tuple(None if t is None else tuple(bloom_mask(x) for x in t) for t in topics),
    )


class BlockLogCache:
    """Per block hash: ``(number, bloom)`` of the header, the transaction hashes, and each
    log as ``(address, topics, json)``. Bounded: the oldest entries go first (insertion
    order), by block count for the blooms and by log count for the logs."""

    __slots__ = ("store", "view", "blooms", "tx_hashes", "logs", "cached_logs", "max_blooms",
                 "max_blocks", "max_logs")

    def __init__(self, view: ChainView, max_blooms: int = 262_144, max_blocks: int = 16_384,
                 max_logs: int = 200_000) -> None:
        self.max_blooms = max_blooms  # ~100 bytes each
        self.max_blocks = max_blocks
        self.max_logs = max_logs  # ~1 KiB each as JSON-ready dicts
        self.view = view
        self.store = view.store
        self.blooms: dict[bytes, int] = {}
        self.tx_hashes: dict[bytes, tuple[bytes, ...]] = {}
        self.logs: dict[bytes, tuple[tuple[bytes, tuple[bytes, ...], dict[str, Any]], ...]] = {}
        self.cached_logs = 0

    def bloom(self, block_hash: bytes) -> int | None:
        bloom = self.blooms.get(block_hash)
        if bloom is None:
            header = self.store.get_header(block_hash)
            if header is None:
                return None
            bloom = int.from_bytes(header.logs_bloom, "big")
            if len(self.blooms) >= self.max_blooms:
                self.blooms.pop(next(iter(self.blooms)), None)
            self.blooms[block_hash] = bloom
        return bloom

    def transaction_hashes(self, block_hash: bytes,
                           block: Block | None = None) -> tuple[bytes, ...]:
        hashes = self.tx_hashes.get(block_hash)
        if hashes is None:
            if block is None:
                block = self.store.get_block(block_hash)
            if block is None:
                return ()
            hashes = tuple(transaction_hash(tx) for tx in block.transactions)
            if len(self.tx_hashes) >= self.max_blocks:
                self.tx_hashes.pop(next(iter(self.tx_hashes)), None)
            self.tx_hashes[block_hash] = hashes
        return hashes

    def block_logs(self, block_hash: bytes, block: Block | None = None
                   ) -> tuple[tuple[bytes, tuple[bytes, ...], dict[str, Any]], ...]:
        entries = self.logs.get(block_hash)
        if entries is not None:
            return entries
        header = block.header if block is not None else self.store.get_header(block_hash)
        if header is None:
            return ()
        receipts = self.view.receipts(block_hash)
        built = []
        if any(r.logs for r in receipts):
            hashes = self.transaction_hashes(block_hash, block)
            log_index = 0
            for tx_index, receipt in enumerate(receipts):
                for log in receipt.logs:
                    built.append((log.address, log.topics,
                                  log_json(log, header, block_hash, hashes[tx_index], tx_index,
                                           log_index)))
                    log_index += 1
        entries = tuple(built)
        while self.logs and (self.cached_logs + len(entries) > self.max_logs
                             or len(self.logs) >= self.max_blocks):
            self.cached_logs -= len(self.logs.pop(next(iter(self.logs)), ()))
        self.logs[block_hash] = entries
        self.cached_logs += len(entries)
        return entries


@dataclass(slots=True)
class Filter:
    kind: str  # "logs" | "blocks" | "pending"
    criteria: LogCriteria | None = None
    from_block: P.BlockId | None = None
    to_block: P.BlockId | None = None
    next_block: int = 0  # the first block the next poll reports
    last_poll: float = field(default_factory=time.monotonic)
    pending_seen: set[bytes] = field(default_factory=set)


class FilterHandlers:
    def __init__(self, view: ChainView) -> None:
        self.view = view
        self.filters: dict[str, Filter] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.cache = BlockLogCache(view)

    def table(self) -> dict[str, Any]:
        return {
            "eth_getLogs": self.get_logs,
            "eth_newFilter": self.new_filter,
            "eth_newBlockFilter": self.new_block_filter,
            "eth_newPendingTransactionFilter": self.new_pending_filter,
            "eth_getFilterChanges": self.get_filter_changes,
            "eth_getFilterLogs": self.get_filter_logs,
            "eth_uninstallFilter": self.uninstall_filter,
        }

    # -- log scanning ------------------------------------------------------------------------

    def block_logs(self, block: Block, criteria: LogCriteria,
                   block_hash: bytes | None = None) -> list[dict[str, Any]]:
        """The logs of ``block`` that match (fresh dicts: callers may change them)."""
        entries = self.cache.block_logs(block_hash or block.header.hash(), block)
        matches = criteria.matches
        return [dict(j) for address, topics, j in entries if matches(address, topics)]

    def range_logs(self, start: int, end: int, criteria: LogCriteria) -> list[dict[str, Any]]:
        store = self.view.store
        cache = self.cache
        may_match = criteria.bloom_may_match
        matches = criteria.matches
        canonical = store.get_canonical_hash
        out: list[dict[str, Any]] = []
        for number in range(start, end + 1):
            block_hash = canonical(number)
            if block_hash is None:
                break
            bloom = cache.bloom(block_hash)
            if bloom is None or not may_match(bloom):
                continue
            for address, topics, j in cache.block_logs(block_hash):
                if matches(address, topics):
                    out.append(dict(j))
        return out

    def _number(self, block: P.BlockId, head: int) -> int:
        if block.number is not None:
            return block.number
        if block.tag == "earliest":
            return 0
        if block.tag in ("safe", "finalized"):
            header = self.view.header(block)
            if header is None:
                raise RpcError(-32000, f"{block.tag} block not found")
            return header.number
        return head  # latest, pending

    def get_logs(self, query: Any) -> list[dict[str, Any]]:
        if not isinstance(query, dict):
            raise invalid_params("invalid argument 0: expected a filter object")
        criteria = parse_criteria(query)
        if query.get("blockHash") is not None:
            if query.get("fromBlock") is not None or query.get("toBlock") is not None:
                raise invalid_params("invalid argument 0: cannot specify both BlockHash and "
                                     "FromBlock/ToBlock, choose one or the other")
            block_hash = P.hash32(query["blockHash"], 0)
            if self.cache.bloom(block_hash) is None:
                raise RpcError(-32000, "unknown block")
            matches = criteria.matches
            return [dict(j) for address, topics, j in self.cache.block_logs(block_hash)
                    if matches(address, topics)]
        head = self.view.head().number
        start = self._number(P.block_id(query.get("fromBlock"), 0, allow_hash=False), head)
        end = self._number(P.block_id(query.get("toBlock"), 0, allow_hash=False), head)
        if start > end:
            raise invalid_params("invalid block range params")
        if end > head:
            raise invalid_params("block range extends beyond current head block")
        if end - start >= MAX_LOGS_RANGE:
            raise RpcError(-32005, f"block range too large (max {MAX_LOGS_RANGE} blocks)")
        return self.range_logs(start, end, criteria)

    # -- filters -----------------------------------------------------------------------------

    def _install(self, flt: Filter) -> str:
        with self._lock:
            now = time.monotonic()
            for key in [k for k, f in self.filters.items() if now - f.last_poll > FILTER_TIMEOUT]:
                del self.filters[key]
            if len(self.filters) >= MAX_FILTERS:
                raise RpcError(-32005, "too many filters installed")
            key = hex(next(self._ids) << 64 | int.from_bytes(keccak256(repr(now).encode())[:8],
                                                             "big"))
            self.filters[key] = flt
        return key

    def _get(self, key: Any) -> Filter:
        flt = self.filters.get(key) if isinstance(key, str) else None
        if flt is None:
            raise RpcError(-32000, "filter not found")
        flt.last_poll = time.monotonic()
        return flt

    def new_filter(self, query: Any) -> str:
        if not isinstance(query, dict):
            raise invalid_params("invalid argument 0: expected a filter object")
        criteria = parse_criteria(query)
        from_block = P.block_id(query.get("fromBlock"), 0, allow_hash=False)
        to_block = P.block_id(query.get("toBlock"), 0, allow_hash=False)
        head = self.view.head().number
        flt = Filter("logs", criteria, from_block, to_block, next_block=head + 1)
        return self._install(flt)

    def new_block_filter(self) -> str:
        return self._install(Filter("blocks", next_block=self.view.head().number + 1))

    def new_pending_filter(self) -> str:
        flt = Filter("pending")
        flt.pending_seen = set(self._pending_hashes())
        return self._install(flt)

    def _pending_hashes(self) -> list[bytes]:
        return self.view.ctx.mempool.pending_hashes()

    def get_filter_changes(self, key: Any) -> list[Any]:
        flt = self._get(key)
        head = self.view.head().number
        if flt.kind == "pending":
            current = self._pending_hashes()
            new = [h for h in current if h not in flt.pending_seen]
            flt.pending_seen = set(current)
            return [data(h) for h in new]
        start, flt.next_block = flt.next_block, head + 1
        if flt.kind == "blocks":
            store = self.view.store
            out = []
            for number in range(start, head + 1):
                block_hash = store.get_canonical_hash(number)
                if block_hash is not None:
                    out.append(data(block_hash))
            return out
        assert flt.criteria is not None and flt.to_block is not None
        end = head
        if flt.to_block.number is not None:
            end = min(end, flt.to_block.number)
        if flt.from_block is not None and flt.from_block.number is not None:
            start = max(start, flt.from_block.number)
        if start > end:
            return []
        return self.range_logs(start, end, flt.criteria)

    def get_filter_logs(self, key: Any) -> list[dict[str, Any]]:
        flt = self._get(key)
        if flt.kind != "logs" or flt.criteria is None:
            raise RpcError(-32000, "filter not found")
        head = self.view.head().number
        assert flt.from_block is not None and flt.to_block is not None
        start = self._number(flt.from_block, head)
        end = min(self._number(flt.to_block, head), head)
        if start > end:
            return []
        return self.range_logs(start, end, flt.criteria)

    def uninstall_filter(self, key: Any) -> bool:
        with self._lock:
            return self.filters.pop(key, None) is not None if isinstance(key, str) else False
