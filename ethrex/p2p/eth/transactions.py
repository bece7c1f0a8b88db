"""Transactions between the mempool and the peers (devp2p ``caps/eth.md``, "Transaction
Exchange"): announcements out, announcements in and the fetching they start, broadcasts in.

Out: every new pooled transaction is announced (type, size, hash) to each peer that does not
know it yet, and small non-blob ones are also sent whole to a square root of the peers, as
go-ethereum does. Blob transactions are only ever announced (EIP-4844).

In: an announced hash we lack is requested from an announcer with GetPooledTransactions. The
answer may only hold transactions we asked that peer for, each of the announced type and size,
and blob transactions must come with a matching sidecar; a peer breaking that is disconnected
and the hash is fetched from another announcer.
"""

import asyncio
import logging
import math
import random
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ethrex.crypto.kzg import verify_cell_kzg_proof_batch
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.p2p.errors import DisconnectReason, PeerError
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.eth.serve import wire_transaction
from ethrex.p2p.wire import (
    as_bytes,
    as_int,
    as_list,
    breach,
    decode,
    encode_raw_list,
    encode_tx_item,
)
from ethrex.rlp import Item, encode
from ethrex.types.network_transactions import (
    WRAPPER_VERSION_CELL_PROOFS,
    BlobTransactionNetwork,
    decode_network_transaction,
    encode_network_transaction,
    kzg_to_versioned_hash,
)
from ethrex.types.transactions import (
    BlobTransaction,
    Transaction,
    decode_blob_transaction_fields,
    decode_transaction_item,
    transaction_hash,
)

if TYPE_CHECKING:
    from ethrex.p2p.peer import Peer

log = logging.getLogger("ethrex.p2p.txs")

MAX_ANNOUNCE = 4096  # hashes in one NewPooledTransactionHashes (go-ethereum's limit)
MAX_TX_RETRIEVALS = 256  # hashes in one GetPooledTransactions
MAX_BROADCAST_SIZE = 4096  # larger transactions are only announced
FETCH_TIMEOUT = 5.0
BROADCAST_DELAY = 0.05


@dataclass(slots=True)
class _Wanted:
    tx_type: int
    size: int
    announcers: list["Peer"] = field(default_factory=list)
    fetching: "Peer | None" = None
    masks: dict["Peer", bytes] = field(default_factory=dict)  # eth/72: the cells each holds


class TxSync:
    """Moves transactions between the mempool and the peers."""

    def __init__(self, mempool: Any, peers: Any) -> None:
        self.mempool = mempool
        self.peers = peers  # ethrex.p2p.peers.PeerSet
        self.wanted: OrderedDict[bytes, _Wanted] = OrderedDict()
        self.new_hashes: asyncio.Queue[bytes] = asyncio.Queue()
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- out ---------------------------------------------------------------------------------

    def on_pooled(self, tx_hash: bytes) -> None:
        """Mempool listener (any thread): a transaction entered the pool."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.new_hashes.put_nowait, tx_hash)

    async def broadcast_loop(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.mempool.listeners.append(self.on_pooled)
        try:
            while True:
                hashes = [await self.new_hashes.get()]
                await asyncio.sleep(BROADCAST_DELAY)  # gather a burst into one message
                while not self.new_hashes.empty():
                    hashes.append(self.new_hashes.get_nowait())
                self.broadcast(hashes)
        finally:
            self.mempool.listeners.remove(self.on_pooled)

    def broadcast(self, hashes: list[bytes], peers: "list[Peer] | None" = None) -> None:
        """Announce ``hashes`` (and send some whole) to ``peers`` (default: every eth peer)."""
        entries = []
        for tx_hash in hashes:
            item = self.mempool.get_sidecar(tx_hash) or self.mempool.get(tx_hash)
            if item is not None:
                entries.append((tx_hash, item, encode_network_transaction(item),
                                wire_transaction(self.mempool, tx_hash, eth.ETH72)))
        if peers is None:
            peers = [p for p in self.peers.eth_peers() if not p.closing]
        if not entries or not peers:
            return
        direct = set(random.sample(peers, int(math.sqrt(len(peers)))))
        for peer in peers:
            fresh = [e for e in entries if e[0] not in peer.known_txs]
            if not fresh:
                continue
            full = [e for e in fresh if peer in direct and len(e[2]) <= MAX_BROADCAST_SIZE
                    and not isinstance(e[1], BlobTransactionNetwork)]
            if full:
                peer.send("eth", eth.TRANSACTIONS,
                          encode_raw_list([encode_tx_item(e[2]) for e in full]))
            sent = {e[0] for e in full}
            announce = [e for e in fresh if e[0] not in sent]
            sparse = peer.eth_version >= eth.ETH72  # EIP-8070: blobs move as cells
            for start in range(0, len(announce), MAX_ANNOUNCE):
                chunk = announce[start:start + MAX_ANNOUNCE]
                fields: list[object] = [bytes(_tx_type(e[1]) for e in chunk),
                                        [len(e[3] or e[2]) if sparse else len(e[2])
                                         for e in chunk],
                                        [e[0] for e in chunk]]
                if sparse:
                    fields.append(eth.CUSTODY_ALL)
                peer.send("eth", eth.NEW_POOLED_TRANSACTION_HASHES, encode(fields))
            for e in fresh:
                peer.mark_tx_known(e[0])

    def announce_pool_to(self, peer: "Peer") -> None:
        """A new peer hears of every pending transaction we hold."""
        hashes = self.mempool.pending_hashes()
        if hashes:
            self.broadcast(hashes, [peer])

    # -- in ----------------------------------------------------------------------------------

    async def on_transactions(self, peer: "Peer", payload: bytes) -> None:
        """A Transactions broadcast: non-blob transactions in their canonical form."""
        items = as_list(decode(payload, "Transactions"), "Transactions")
        txs = []
        for item in items:
            try:
                tx = decode_transaction_item(item)
            except (RLPDecodingError, InvalidTransaction) as exc:
                raise breach(f"Transactions: bad transaction: {exc}") from None
            if isinstance(tx, BlobTransaction):
                raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL,
                                "blob transaction broadcast in Transactions")
            txs.append(tx)
        await self._admit(peer, txs)

    async def on_announce(self, peer: "Peer", payload: bytes) -> None:
        """NewPooledTransactionHashes ``[types, [sizes], [hashes]]`` (eth/68+)."""
        sparse = peer.eth_version >= eth.ETH72
        fields = as_list(decode(payload, "NewPooledTransactionHashes"),
                         "NewPooledTransactionHashes", 4 if sparse else 3)
        mask = as_bytes(fields[3], "custody bitmap", 16) if sparse else eth.CUSTODY_ALL
        types = as_bytes(fields[0], "announced types")
        sizes = [as_int(s, "announced size", 32) for s in as_list(fields[1], "announced sizes")]
        hashes = [as_bytes(h, "announced hash", 32) for h in as_list(fields[2], "announced hashes")]
        if not len(types) == len(sizes) == len(hashes):
            raise breach(f"announcement of {len(types)} types, {len(sizes)} sizes and "
                         f"{len(hashes)} hashes")
        if len(hashes) > MAX_ANNOUNCE:
            raise breach(f"announcement of {len(hashes)} hashes")
        fetch_now: list[bytes] = []
        for tx_type, size, tx_hash in zip(types, sizes, hashes):
            peer.mark_tx_known(tx_hash)
            if tx_hash in self.mempool:
                continue
            wanted = self.wanted.get(tx_hash)
            if wanted is None:
                wanted = self.wanted[tx_hash] = _Wanted(tx_type, size)
                if len(self.wanted) > 16384:
                    self.wanted.popitem(last=False)
            if peer not in wanted.announcers:
                wanted.announcers.append(peer)
                wanted.masks[peer] = mask
            if wanted.fetching is None and len(fetch_now) < MAX_TX_RETRIEVALS:
                wanted.fetching = peer
                fetch_now.append(tx_hash)
        if fetch_now:
            await self._fetch(peer, fetch_now)

    async def _fetch(self, peer: "Peer", hashes: list[bytes]) -> None:
        """Ask ``peer`` for ``hashes``; hashes it does not deliver go to other announcers."""
        delivered: set[bytes] = set()
        try:
            items = await peer.request("eth", eth.GET_POOLED_TRANSACTIONS, [hashes],
                                       timeout=FETCH_TIMEOUT)
            txs = self._check_delivery(peer, hashes, items[0] if items else [])
            whole = [(h, tx) for h, tx in txs if not _blobless(tx)]
            delivered = {h for h, _ in whole}
            await self._admit(peer, [tx for _, tx in whole])
            for tx_hash, tx in txs:
                if _blobless(tx):
                    assembled = await self._fetch_cells(peer, tx_hash, tx)
                    if assembled is not None:
                        delivered.add(tx_hash)
                        await self._admit(peer, [assembled])
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except PeerError as exc:
            self.peers.drop(peer, exc)
        finally:
            self._retry_elsewhere(peer, [h for h in hashes if h not in delivered])

    def _check_delivery(self, peer: "Peer", requested: list[bytes], item: Item
                        ) -> list[tuple[bytes, Any]]:
        asked = set(requested)
        out = []
        sparse = peer.eth_version >= eth.ETH72
        for element in as_list(item, "PooledTransactions"):
            raw = element if isinstance(element, bytes) else encode(element)
            tx: Transaction | BlobTransactionNetwork | None
            try:
                tx = decode_blobless(raw) if sparse else None
                tx = tx or decode_network_transaction(raw)
            except (RLPDecodingError, InvalidTransaction) as exc:
                # A blob transaction without its sidecar, or a sidecar that does not match
                # the versioned hashes, is a violation like any undecodable transaction.
                raise breach(f"PooledTransactions: {exc}") from None
            inner = tx.tx if isinstance(tx, BlobTransactionNetwork) else tx
            tx_hash = transaction_hash(inner)
            if tx_hash not in asked:
                raise breach(f"PooledTransactions: unrequested transaction {tx_hash.hex()}")
            wanted = self.wanted.get(tx_hash)
            if wanted is not None:
                if wanted.tx_type != _tx_type(tx):
                    raise breach(f"transaction {tx_hash.hex()} announced as type "
                                 f"{wanted.tx_type}, is {_tx_type(tx)}")
                if wanted.size != len(raw):
                    raise breach(f"transaction {tx_hash.hex()} announced as {wanted.size} "
                                 f"bytes, is {len(raw)}")
            out.append((tx_hash, tx))
        return out

    async def _fetch_cells(self, sender: "Peer", tx_hash: bytes, tx: BlobTransactionNetwork
                           ) -> BlobTransactionNetwork | None:
        """eth/72: the blobs of a transaction that came without them, from the data cells of
        an announcer holding them all; each cell checked against its commitment and proof. A
        peer sending a bad cell is dropped and the next announcer asked."""
        wanted = self.wanted.get(tx_hash)
        holders = [sender] + ([] if wanted is None else [
            p for p in wanted.announcers if p is not sender])
        for peer in holders:
            if peer.closing or peer.eth_version < eth.ETH72:
                continue
            if wanted is not None and not _has_data_cells(wanted.masks.get(peer, b"")):
                continue
            try:
                items = await peer.request("eth", eth.GET_CELLS, [[tx_hash], DATA_MASK],
                                           timeout=FETCH_TIMEOUT)
                blobs = await asyncio.to_thread(_check_cells, tx_hash, tx, items)
            except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                continue
            except PeerError as exc:
                self.peers.drop(peer, exc)
                continue
            if blobs is not None:
                return replace(tx, blobs=tuple(blobs))
        return None

    def _retry_elsewhere(self, failed_peer: "Peer", hashes: list[bytes]) -> None:
        by_peer: dict[Peer, list[bytes]] = {}
        for tx_hash in hashes:
            wanted = self.wanted.get(tx_hash)
            if wanted is None:
                continue
            if failed_peer in wanted.announcers:
                wanted.announcers.remove(failed_peer)
            wanted.fetching = None
            live = [p for p in wanted.announcers if not p.closing]
            if not live or tx_hash in self.mempool:
                del self.wanted[tx_hash]
                continue
            wanted.fetching = live[0]
            by_peer.setdefault(live[0], []).append(tx_hash)
        for peer, batch in by_peer.items():
            self.peers.spawn(self._fetch(peer, batch[:MAX_TX_RETRIEVALS]))

    async def _admit(self, peer: "Peer", txs: list[Any]) -> None:
        """Add to the pool off the event loop (signature recovery, KZG proofs)."""
        for tx in txs:
            inner = tx.tx if isinstance(tx, BlobTransactionNetwork) else tx
            peer.mark_tx_known(transaction_hash(inner))
        if txs:
            await asyncio.to_thread(self._add_all, txs)

    def _add_all(self, txs: list[Any]) -> None:
        for tx in txs:
            try:
                self.mempool.add(tx)
            except InvalidTransaction as exc:
                log.debug("peer transaction refused: %s", exc)


DATA_MASK = b"\xff" * 8 + bytes(8)  # cells 0..63: the blob itself (EIP-7594)


def _has_data_cells(mask: bytes) -> bool:
    return mask[:8] == b"\xff" * 8


def _blobless(tx: Any) -> bool:
    return isinstance(tx, BlobTransactionNetwork) and not tx.blobs


def decode_blobless(raw: bytes) -> BlobTransactionNetwork | None:
    """An eth/72 blob transaction sent without its blobs: ``0x03 || rlp([body, 1, [],
    commitments, cell proofs])`` with commitments matching the versioned hashes and a full
    set of cell proofs. None for any other form (decoded the usual way then)."""
    if raw[:1] != b"\x03":
        return None
    item = decode(raw[1:], "blob transaction")
    if not isinstance(item, list) or len(item) != 5 or item[2] != []:
        return None
    tx = decode_blob_transaction_fields(item[0])
    commitments = tuple(as_bytes(c, "commitment", 48) for c in as_list(item[3], "commitments"))
    proofs = tuple(as_bytes(p, "cell proof", 48) for p in as_list(item[4], "cell proofs"))
    if as_int(item[1], "wrapper version", 8) != WRAPPER_VERSION_CELL_PROOFS:
        raise InvalidTransaction("blobless transaction with another wrapper version")
    hashes = tx.blob_versioned_hashes
    if len(commitments) != len(hashes) or len(proofs) != len(hashes) * eth.CELLS_PER_BLOB:
        raise InvalidTransaction("sidecar counts do not match the versioned hashes")
    if any(kzg_to_versioned_hash(c) != v for c, v in zip(commitments, hashes)):
        raise InvalidTransaction("a commitment does not match its versioned hash")
    return BlobTransactionNetwork(tx, (), commitments, proofs, WRAPPER_VERSION_CELL_PROOFS)


def _check_cells(tx_hash: bytes, tx: BlobTransactionNetwork, items: list[Any]
                 ) -> list[bytes] | None:
    """The blobs rebuilt from a Cells answer for the data cells of ``tx``, every cell proven;
    None when the peer does not have them. Runs in a worker thread (KZG)."""
    f = items if len(items) == 3 else []
    if not f:
        raise breach("Cells: expected [hashes, cells, mask]")
    hashes = [as_bytes(h, "cells hash", 32) for h in as_list(f[0], "cells hashes")]
    if not hashes:
        return None
    lists = as_list(f[1], "cells")
    if hashes != [tx_hash] or len(lists) != 1 or as_bytes(f[2], "mask", 16) != DATA_MASK:
        raise breach("Cells: not the cells asked for")
    blobs = len(tx.commitments)
    cells = [as_bytes(c, "cell", 2048) for c in as_list(lists[0], "cells of a transaction")]
    if len(cells) != eth.DATA_CELLS * blobs:
        raise breach(f"Cells: {len(cells)} cells for {blobs} blobs")
    indices = [i for i in range(eth.DATA_CELLS) for _ in range(blobs)]
    which = [b for _ in range(eth.DATA_CELLS) for b in range(blobs)]
    commitments = [tx.commitments[b] for b in which]
    proofs = [tx.proofs[b * eth.CELLS_PER_BLOB + i] for i, b in zip(indices, which)]
    if not verify_cell_kzg_proof_batch(commitments, indices, cells, proofs):
        raise breach("Cells: a cell does not match its commitment and proof")
    return [b"".join(cells[i * blobs + b] for i in range(eth.DATA_CELLS))
            for b in range(blobs)]


def _tx_type(tx: Any) -> int:
    inner = tx.tx if isinstance(tx, BlobTransactionNetwork) else tx
    return int(getattr(inner, "TYPE", 0))
