"""The L2 transaction pool's journal: a transaction the sequencer accepted is not lost when it
is killed before putting it in a block.

Each accepted transaction is appended to a file in the datadir (a 4-byte length, then its
encoding) before ``eth_sendRawTransaction`` answers; the kernel has it once ``write`` returns,
which is what surviving ``kill -9`` needs (not a power cut: no fsync per transaction). At start
the journal's transactions go back into the pool (those already in blocks are refused as
stale) and the file is rewritten with what the pool holds; it is rewritten again whenever it
holds many more transactions than the pool.
"""

import os
import threading
from pathlib import Path

from ethrex.blockchain.mempool import Mempool
from ethrex.errors import EthrexError
from ethrex.types.transactions import decode_transaction, encode_transaction

JOURNAL_FILE = "l2-txpool.journal"
COMPACT_FACTOR = 4  # rewrite when the file has this many times the pool's transactions


class TxJournal:
    """The journal of ``mempool`` in ``path``."""

    def __init__(self, path: Path, mempool: Mempool) -> None:
        self.path = path
        self.mempool = mempool
        self.lock = threading.Lock()
        self.entries = 0
        self._file = None

    def restore(self) -> int:
        """Put the journal's transactions back into the pool, rewrite the file and start
        recording; returns how many the pool took."""
        taken = 0
        for raw in self._read():
            try:
                tx = decode_transaction(raw)
                self.mempool.add(tx)
                taken += 1
            except EthrexError:
                pass  # included meanwhile, or no longer valid
        self.compact()
        self.mempool.listeners.append(self._record)
        return taken

    def _read(self) -> list[bytes]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out, at = [], 0
        while at + 4 <= len(data):
            size = int.from_bytes(data[at : at + 4], "big")
            if at + 4 + size > len(data):
                break  # a write cut short by the kill: that transaction was never answered
            out.append(data[at + 4 : at + 4 + size])
            at += 4 + size
        return out

    def _record(self, tx_hash: bytes) -> None:
        tx = self.mempool.get(tx_hash)
        if tx is None:
            return
        raw = encode_transaction(tx)
        with self.lock:
            if self._file is not None:
                self._file.write(len(raw).to_bytes(4, "big") + raw)
                self._file.flush()
                self.entries += 1

    def compact(self) -> None:
        """Rewrite the file with the pool's transactions (atomically: a new file, renamed)."""
        pool = self.mempool
        tmp = self.path.with_suffix(".tmp")
        with self.lock:  # a transaction accepted meanwhile goes to the new file
            txs = [tx for group in (pool.pending(), pool.queued()) for txs in group.values()
                   for tx in txs]
            with open(tmp, "wb") as out:
                for tx in txs:
                    raw = encode_transaction(tx)
                    out.write(len(raw).to_bytes(4, "big") + raw)
            os.replace(tmp, self.path)
            if self._file is not None:
                self._file.close()
            self._file = open(self.path, "ab")  # noqa: SIM115 - kept open while the node runs
            self.entries = len(txs)

    def maybe_compact(self) -> None:
        """Rewrite when the file holds many more transactions than the pool."""
        if self.entries > COMPACT_FACTOR * max(len(self.mempool), 256):
            self.compact()

    def close(self) -> None:
        with self.lock:
            if self.mempool.listeners.count(self._record):
                self.mempool.listeners.remove(self._record)
            if self._file is not None:
                self._file.close()
                self._file = None
