"""Full sync after the merge: headers backwards from the trusted target to a block we hold with
its state, then bodies forwards, each block executed and made the head.

Headers are stored as they arrive, so a restart walks the stored ones instead of asking again;
every imported block commits with the head that moves to it, so a killed node resumes from its
last block. Bodies are fetched from several peers at once, ahead of execution, which runs on
the node's single writer thread.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.errors import InvalidBlock
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.sync.blocks import check_backward_headers, check_bodies, decode_headers
from ethrex.p2p.sync.fetch import Fetcher, Unavailable, task_group
from ethrex.p2p.wire import breach
from ethrex.progress import format_duration
from ethrex.types.block import Block
from ethrex.types.header import Header

log = logging.getLogger("ethrex.sync")

HEADERS_PER_REQUEST = 192  # go-ethereum's MaxHeaderFetch
BODIES_PER_REQUEST = 128
BODIES_AHEAD = 8  # body requests in flight ahead of execution
IMPORT_BATCH = 32  # blocks per trip to the writer thread
PROGRESS_EVERY = 5.0  # seconds between progress lines


class SyncFailed(Exception):
    """The target's chain cannot be synced (an invalid block, another genesis)."""


class Progress:
    """What ``eth_syncing`` reports and the progress log prints."""

    __slots__ = (
        "accounts",
        "blocks",
        "bytes",
        "current",
        "gas",
        "headers",
        "highest",
        "last_line",
        "mode",
        "phase",
        "started",
        "starting",
    )

    def __init__(self, starting: int, highest: int, mode: str) -> None:
        self.starting = starting
        self.current = starting
        self.highest = highest
        self.phase = "headers"
        self.started = time.monotonic()
        self.gas = 0
        self.blocks = 0
        self.last_line = self.started
        self.accounts = 0
        self.bytes = 0
        self.mode = mode
        self.headers = 0  # downloaded so far, going back from the target

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        if self.phase == "headers":
            return (f"sync {self.mode}/headers: {self.headers} of "
                    f"{self.highest - self.starting} headers back from #{self.highest}")
        if self.phase in ("accounts", "storage", "codes", "tries", "heal"):
            return (f"sync {self.mode}/{self.phase}: {self.accounts} accounts "
                    f"({self.accounts / elapsed:.0f}/s), {self.bytes / 1e6:.1f} MB "
                    f"({self.bytes / elapsed / 1e6:.2f} MB/s), pivot towards #{self.highest}")
        rate = self.blocks / elapsed
        left = self.highest - self.current
        span = self.highest - self.starting
        percent = 100 * (self.current - self.starting) / span if span > 0 else 100.0
        eta = format_duration(left / rate) if rate > 0 else "-"
        return (f"sync {self.mode}/{self.phase}: {percent:.1f}% block {self.current}/"
                f"{self.highest}, {rate:.1f} blocks/s, {self.gas / elapsed / 1e6:.2f} Mgas/s, "
                f"ETA {eta}")

    def maybe_log(self) -> None:
        now = time.monotonic()
        if now - self.last_line >= PROGRESS_EVERY:
            self.last_line = now
            log.info(self.line())


async def fetch_header(fetcher: Fetcher, block_hash: bytes) -> Header:
    """The header of ``block_hash`` from any peer that has it."""
    def check(_peer: Any, items: list[Any]) -> Header:
        headers = decode_headers(items)
        if not headers:
            raise Unavailable("unknown block")
        if len(headers) != 1 or headers[0].hash() != block_hash:
            raise breach("BlockHeaders: not the requested header")
        return headers[0]

    return await fetcher.request("eth", eth.GET_BLOCK_HEADERS, [[block_hash, 1, 0, 0]], check)


def has_state(chain: Blockchain, header: Header) -> bool:
    store = chain.store
    return store.has_block(header.hash()) and store.has_state(header.state_root)


async def download_headers(chain: Blockchain, fetcher: Fetcher, writer: Callable[..., Any],
                           target: Header, progress: Progress,
                           stop_at: Callable[[Header], bool] | None = None) -> list[Header]:
    """Headers from the target back to the newest ancestor we hold with its state (or that
    ``stop_at`` accepts), oldest first, excluding that ancestor. Stored as they come."""
    store = chain.store
    chain_back: list[Header] = [target]
    done = stop_at or (lambda h: has_state(chain, h))
    await writer(_store_headers, chain, [target])
    while True:
        oldest = chain_back[-1]
        if oldest.number == 0:
            if oldest.hash() != chain.genesis_hash():
                raise SyncFailed("the target's chain has another genesis")
            chain_back.pop()
            break
        parent = store.get_header(oldest.parent_hash)
        if parent is not None:
            if done(parent):
                break
            chain_back.append(parent)
            continue
        want = min(HEADERS_PER_REQUEST, oldest.number)
        parent_hash = oldest.parent_hash
        headers = await fetcher.request(
            "eth", eth.GET_BLOCK_HEADERS, [[parent_hash, want, 0, 1]],
            lambda _p, items, h=parent_hash, n=want: check_backward_headers(items, h, n))
        await writer(_store_headers, chain, headers)
        chain_back.extend(headers)
        progress.headers = len(chain_back)
        progress.maybe_log()
    chain_back.reverse()
    return chain_back


def _store_headers(chain: Blockchain, headers: list[Header]) -> None:
    with chain.store.write() as tx:
        for header in headers:
            tx.add_header(header)


async def fetch_bodies(fetcher: Fetcher, headers: list[Header]) -> list[Block]:
    """The blocks of ``headers`` (consecutive), asking again for whatever a peer left out."""
    blocks: list[Block] = []
    while len(blocks) < len(headers):
        wanted = headers[len(blocks):]
        got = await fetcher.request(
            "eth", eth.GET_BLOCK_BODIES, [[h.hash() for h in wanted]],
            lambda _p, items, wanted=wanted: check_bodies(items, wanted))
        blocks.extend(got)
    return blocks


def _import(chain: Blockchain, blocks: list[Block]) -> int:
    """Execute and store ``blocks`` in order, each becoming the head; returns the gas used."""
    gas = 0
    for block in blocks:
        chain.add_block(block, make_head=True)
        gas += block.header.gas_used
    return gas


async def execute_blocks(chain: Blockchain, fetcher: Fetcher, writer: Callable[..., Any],
                         headers: list[Header], progress: Progress) -> None:
    """Fetch the bodies of ``headers`` ahead (several requests in flight) and import them in
    order on the writer thread."""
    progress.phase = "blocks"
    batches = [headers[i:i + BODIES_PER_REQUEST]
               for i in range(0, len(headers), BODIES_PER_REQUEST)]
    started = time.monotonic()
    async with task_group() as group:
        tasks = [group.create_task(fetch_bodies(fetcher, b)) for b in batches[:BODIES_AHEAD]]
        next_batch = len(tasks)
        for i in range(len(batches)):
            blocks = await tasks[i]
            tasks[i] = None  # type: ignore[call-overload]  # let the blocks go once imported
            if next_batch < len(batches):
                tasks.append(group.create_task(fetch_bodies(fetcher, batches[next_batch])))
                next_batch += 1
            for start in range(0, len(blocks), IMPORT_BATCH):
                chunk = blocks[start:start + IMPORT_BATCH]
                try:
                    progress.gas += await writer(_import, chain, chunk)
                except InvalidBlock as exc:
                    raise SyncFailed(f"invalid block in the target's chain: {exc}") from exc
                progress.blocks += len(chunk)
                progress.current = chunk[-1].header.number
                progress.maybe_log()
    log.info("sync: executed %d blocks in %.1fs", len(headers), time.monotonic() - started)
