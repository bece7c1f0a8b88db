"""Answering eth requests from the store and the mempool, with go-ethereum's limits.

Synchronous: the handler runs these in a worker thread (reads only; LMDB readers never block
the writer). Each returns the already-encoded list items of the response, stopping at the item
count limit or once the soft size limit (2 MiB) is passed, so a response stays well under the
10 MiB message cap.
"""

from typing import Any

from ethrex import rlp
from ethrex.p2p.eth.protocol import receipt_fields
from ethrex.storage import Store
from ethrex.types.block import block_fields
from ethrex.types.header import Header, encode_header
from ethrex.types.network_transactions import encode_network_transaction

SOFT_RESPONSE_LIMIT = 2 * 1024 * 1024
MAX_HEADERS_SERVE = 1024
MAX_BODIES_SERVE = 1024
MAX_RECEIPTS_SERVE = 1024
MAX_TXS_SERVE = 4096
MAX_LOOKUPS = 2 * 1024  # unknown hashes looked up before giving up


def _next_header(store: Store, header: Header, skip: int, reverse: bool) -> Header | None:
    """The header ``skip + 1`` blocks away in the query's direction. Forward walks follow the
    canonical chain only; backward walks follow parent hashes (a side chain too)."""
    step = skip + 1
    if reverse:
        if header.number < step:
            return None
        block_hash = header.hash()
        if store.get_canonical_hash(header.number) == block_hash:
            return store.get_header_by_number(header.number - step)
        for _ in range(step):
            parent = store.get_header(header.parent_hash)
            if parent is None:
                return None
            header = parent
        return header
    if store.get_canonical_hash(header.number) != header.hash():
        return None
    return store.get_header_by_number(header.number + step)


def get_block_headers(store: Store, origin: bytes | int, amount: int, skip: int,
                      reverse: bool) -> list[bytes]:
    """Encoded headers from ``origin`` (a hash or a canonical number), ``skip`` apart."""
    header = store.get_header(origin) if isinstance(origin, bytes) \
        else store.get_header_by_number(origin)
    out: list[bytes] = []
    size = 0
    amount = min(amount, MAX_HEADERS_SERVE)
    while header is not None and len(out) < amount and size < SOFT_RESPONSE_LIMIT:
        encoded = encode_header(header)
        out.append(encoded)
        size += len(encoded)
        if len(out) < amount:
            header = _next_header(store, header, skip, reverse)
    return out


def get_block_bodies(store: Store, hashes: list[bytes]) -> list[bytes]:
    """Encoded ``[txs, ommers(, withdrawals)]`` of the blocks we have; unknown ones skipped."""
    out: list[bytes] = []
    size = 0
    for lookups, block_hash in enumerate(hashes):
        if size >= SOFT_RESPONSE_LIMIT or len(out) >= MAX_BODIES_SERVE or lookups >= MAX_LOOKUPS:
            break
        block = store.get_block(block_hash)
        if block is None:
            continue
        encoded = rlp.encode(block_fields(block)[1:])
        out.append(encoded)
        size += len(encoded)
    return out


def get_receipts(store: Store, hashes: list[bytes], version: int) -> list[bytes]:
    """Encoded receipt lists of the blocks we have, in ``version``'s receipt form."""
    out: list[bytes] = []
    size = 0
    for lookups, block_hash in enumerate(hashes):
        if size >= SOFT_RESPONSE_LIMIT or len(out) >= MAX_RECEIPTS_SERVE or lookups >= MAX_LOOKUPS:
            break
        receipts = store.get_receipts(block_hash)
        if receipts is None:
            continue
        encoded = rlp.encode([receipt_fields(r, version) for r in receipts])
        out.append(encoded)
        size += len(encoded)
    return out


def get_pooled_transactions(mempool: Any, hashes: list[bytes]) -> list[bytes]:
    """Network forms (blob transactions with their sidecars) of the pooled ones we hold."""
    out: list[bytes] = []
    size = 0
    for tx_hash in hashes[:MAX_TXS_SERVE]:
        if size >= SOFT_RESPONSE_LIMIT:
            break
        item = mempool.get_sidecar(tx_hash) or mempool.get(tx_hash)
        if item is None:
            continue
        encoded = encode_network_transaction(item)
        out.append(encoded)
        size += len(encoded)
    return out
