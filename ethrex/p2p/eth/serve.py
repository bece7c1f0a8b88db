"""Answering eth requests from the store and the mempool, with go-ethereum's limits.

Synchronous: the handler runs these in a worker thread (reads only; LMDB readers never block
the writer). Each returns the already-encoded list items of the response, stopping at the item
count limit or once the soft size limit (2 MiB) is passed, so a response stays well under the
10 MiB message cap.
"""

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from ethrex import rlp
from ethrex.crypto.kzg import compute_cells_and_kzg_proofs
from ethrex.p2p.eth.protocol import CELLS_PER_BLOB, ETH70, ETH72, receipt_fields
from ethrex.p2p.wire import encode_raw_list
from ethrex.storage import Store
from ethrex.types.block import block_fields
from ethrex.types.header import Header, encode_header
from ethrex.types.network_transactions import (
    WRAPPER_VERSION_CELL_PROOFS,
    BlobTransactionNetwork,
    encode_network_transaction,
)

SOFT_RESPONSE_LIMIT = 2 * 1024 * 1024
MAX_PACKET_SIZE = 10 * 1024 * 1024
MAX_HEADERS_SERVE = 1024
MAX_BODIES_SERVE = 1024
MAX_RECEIPTS_SERVE = 1024
MAX_TXS_SERVE = 4096
MAX_BALS_SERVE = 1024
MAX_CELLS_SERVE = 4096
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


def get_receipts(store: Store, hashes: list[bytes], version: int, first_index: int = 0
                 ) -> tuple[list[bytes], bool]:
    """Encoded receipt lists of the blocks we have, in ``version``'s receipt form, stopping at
    the first block we lack. From eth/70 the first block's list starts at ``first_index`` and
    a list that does not fit the message is cut, which the second value says (EIP-7975)."""
    out: list[bytes] = []
    size = 0
    for i, block_hash in enumerate(hashes):
        if size >= SOFT_RESPONSE_LIMIT or len(out) >= MAX_RECEIPTS_SERVE:
            break
        receipts = store.get_receipts(block_hash)
        if receipts is None:
            break
        items = [rlp.encode(receipt_fields(r, version))
                 for r in receipts[first_index if i == 0 else 0:]]
        room = MAX_PACKET_SIZE - size
        taken = 0
        while taken < len(items) and len(items[taken]) <= room:
            room -= len(items[taken])
            taken += 1
        if taken < len(items) and version < ETH70:
            break
        if taken == 0 and items:
            break
        out.append(encode_raw_list(items[:taken]))
        size += len(out[-1])
        if taken < len(items):
            return out, True
    return out, False


def get_block_access_lists(hashes: list[bytes]) -> list[bytes]:
    """eth/71: no block we hold has an access list (they start with Amsterdam), and an
    unavailable one is the empty string, in request order."""
    return [b"\x80"] * min(len(hashes), MAX_BALS_SERVE)


def wire_transaction(mempool: Any, tx_hash: bytes, version: int) -> bytes | None:
    """A pooled transaction as ``version`` sends it: blob transactions with their sidecar, and
    from eth/72 without the blobs themselves (peers fetch those as cells)."""
    item = mempool.get_sidecar(tx_hash) or mempool.get(tx_hash)
    if item is None:
        return None
    if version >= ETH72 and isinstance(item, BlobTransactionNetwork) \
            and item.wrapper_version == WRAPPER_VERSION_CELL_PROOFS:
        item = replace(item, blobs=())
    return encode_network_transaction(item)


def get_pooled_transactions(mempool: Any, hashes: list[bytes], version: int) -> list[bytes]:
    """Wire forms of the pooled transactions we hold, in request order."""
    out: list[bytes] = []
    size = 0
    for tx_hash in hashes[:MAX_TXS_SERVE]:
        if size >= SOFT_RESPONSE_LIMIT:
            break
        encoded = wire_transaction(mempool, tx_hash, version)
        if encoded is None:
            continue
        out.append(encoded)
        size += len(encoded)
    return out


class CellCache:
    """Cells of pooled blobs, computed on first request (EIP-7594: ``compute_cells``)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.cells: OrderedDict[bytes, list[list[bytes]]] = OrderedDict()

    def of(self, tx_hash: bytes, sidecar: BlobTransactionNetwork) -> list[list[bytes]]:
        cached = self.cells.get(tx_hash)
        if cached is None:
            cached = [compute_cells_and_kzg_proofs(blob)[0] for blob in sidecar.blobs]
            self.cells[tx_hash] = cached
            if len(self.cells) > self.size:
                self.cells.popitem(last=False)
        return cached


def mask_indices(mask: bytes) -> list[int]:
    """Cell indices set in an eth/72 custody bitmap (bit i of the 128, little-endian bits
    within each byte, as go-ethereum's CustodyBitmap)."""
    return [i for i in range(CELLS_PER_BLOB) if mask[i // 8] >> (i % 8) & 1]


def get_cells(mempool: Any, cache: CellCache, hashes: list[bytes], mask: bytes
              ) -> tuple[list[bytes], list[list[bytes]]]:
    """The requested cells of the blob transactions we hold: for each, index by index, every
    blob's cell (go-ethereum's order); transactions we lack are left out."""
    indices = mask_indices(mask)
    served: list[bytes] = []
    cells: list[list[bytes]] = []
    count = 0
    for tx_hash in hashes[:MAX_CELLS_SERVE]:
        if count >= SOFT_RESPONSE_LIMIT // 2048:
            break
        sidecar = mempool.get_sidecar(tx_hash)
        if sidecar is None or not sidecar.blobs or not indices:
            continue
        per_blob = cache.of(tx_hash, sidecar)
        flat = [per_blob[b][i] for i in indices for b in range(len(per_blob))]
        served.append(tx_hash)
        cells.append(flat)
        count += len(flat)
    return served, cells
