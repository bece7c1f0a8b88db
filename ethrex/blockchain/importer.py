"""Importing a chain file into the ``Blockchain``: each block becomes the head, blocks commit
in groups (``GroupedCommits``: one store transaction per group, sized so that commits take a
small share of the time), so an interrupted import resumes after the last group committed
(known blocks are skipped without executing them). The import stops at the first block that
does not decode or is invalid, naming it and why, after committing the blocks before it. On a
long import a worker process recovers the senders of the blocks ahead (``SenderPrefetch``),
and the cyclic garbage collector runs only at checkpoints (``CollectorPause``).
"""

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.chainfile import ChainFile, ChainFileError
from ethrex.blockchain.collector import CollectorPause
from ethrex.blockchain.senders import SenderPrefetch
from ethrex.errors import InvalidBlock, InvalidTransaction, RLPDecodingError
from ethrex.storage import GroupedCommits
from ethrex.types.block import decode_block


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """Counters for one progress line (or the final summary)."""

    imported: int  # blocks executed
    skipped: int  # blocks already stored
    total: int  # blocks in the file
    number: int  # the last block handled
    block_hash: bytes
    gas: int  # gas of the executed blocks
    seconds: float

    def line(self) -> str:
        rate = self.imported / self.seconds if self.seconds > 0 else 0.0
        mgas = self.gas / self.seconds / 1e6 if self.seconds > 0 else 0.0
        done = self.imported + self.skipped
        known = f" ({self.skipped} already known)" if self.skipped else ""
        return (f"block {done}/{self.total}{known}: #{self.number} "
                f"0x{self.block_hash.hex()[:12]}, imported {self.imported} in "
                f"{self.seconds:.2f}s, {rate:.1f} blocks/s, {mgas:.2f} Mgas/s")


class BlockImportError(InvalidBlock):
    """A block of the file could not be imported; says which and why."""


def import_chain_file(
    chain: Blockchain,
    path: str | Path,
    progress: Callable[[ImportProgress], None] | None = None,
    every: float = 1.0,
    prefetch: bool | None = None,
    keep_inner_states: bool = True,
) -> ImportProgress:
    """Import every block of ``path``; returns the final counters. Raises ``ChainFileError``
    (before touching the store) for a malformed file and ``BlockImportError`` at the first bad
    block, after committing the blocks before it. ``prefetch``: recover senders in a worker
    process (None: when the file is long enough and a second CPU is there).
    ``keep_inner_states=False``: keep only the state of each commit group's last block (the
    head's at the end), not every block's (``ethrex.storage.prune``)."""
    with ChainFile(path) as blocks:
        if prefetch is None:
            prefetch = SenderPrefetch.worthwhile(len(blocks))
        with SenderPrefetch(path, len(blocks)) if prefetch else nullcontext() as worker, \
                CollectorPause() as pause:
            return _import_blocks(chain, blocks, worker, pause, progress, every,
                                  keep_inner_states)


def _import_blocks(
    chain: Blockchain,
    blocks: ChainFile,
    worker: SenderPrefetch | None,
    pause: CollectorPause,
    progress: Callable[[ImportProgress], None] | None,
    every: float,
    keep_inner_states: bool,
) -> ImportProgress:
    store = chain.store
    start = last_report = time.monotonic()
    imported = skipped = gas = 0
    number, block_hash = chain.head_header().number, chain.head_header().hash()
    with GroupedCommits(store, keep_inner_states=keep_inner_states) as group:
        for index, (begin, _) in enumerate(blocks.spans):
            try:
                block = decode_block(blocks.block(index))
            except (RLPDecodingError, InvalidTransaction, ChainFileError) as exc:
                group.commit()
                raise BlockImportError(f"block {index} of the file (byte {begin}) does not "
                                       f"decode: {exc}") from exc
            blocks.forget(index)
            header = block.header
            block_hash = header.hash()
            number = header.number
            if store.has_block(block_hash) and store.is_canonical(block_hash):
                skipped += 1
            elif number == 0:
                group.commit()
                raise BlockImportError(f"the file's genesis 0x{block_hash.hex()} is not this "
                                       f"network's genesis 0x{chain.genesis_hash().hex()}")
            else:
                try:
                    chain.add_block(block, make_head=True, senders=None if worker is None
                                    else worker.senders(index))
                except InvalidBlock as exc:  # raised before the block writes anything
                    group.commit()
                    raise BlockImportError(
                        f"block #{number} 0x{block_hash.hex()} is invalid: {exc}") from exc
                imported += 1
                gas += header.gas_used
                group.done()
            pause.tick()
            now = time.monotonic()
            if progress is not None and now - last_report >= every:
                last_report = now
                progress(ImportProgress(imported, skipped, len(blocks), number, block_hash, gas,
                                        now - start))
    return ImportProgress(imported, skipped, len(blocks), number, block_hash, gas,
                          time.monotonic() - start)
