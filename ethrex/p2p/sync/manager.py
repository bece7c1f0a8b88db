"""When and how the node syncs: a target block hash (from the Engine API or the command line)
starts a full or snap sync towards it; progress is logged and served to ``eth_syncing``.

After the merge a node learns the head from its consensus client: ``forkchoiceUpdated`` naming a
head we lack answers SYNCING and calls ``request_sync`` (from the Engine API's thread). For
private networks and tests, ``--sync.target HASH`` gives the target on the command line. The
current target is kept in ``DATADIR/sync-target`` until it is reached, so a restarted node
resumes towards it by itself.
"""

import asyncio
import logging
from pathlib import Path
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.p2p.peer import Peer
from ethrex.p2p.peers import PeerSet
from ethrex.p2p.sync.fetch import Fetcher, NoPeers
from ethrex.p2p.sync.full import (
    Progress,
    SyncFailed,
    download_headers,
    execute_blocks,
    fetch_header,
    has_state,
)
from ethrex.p2p.sync.snap import SnapSync

log = logging.getLogger("ethrex.sync")

TARGET_FILE = "sync-target"
RETRY_DELAY = 2.0
SNAP_MIN_DISTANCE = 128  # closer targets are cheaper to execute than to snap


class SyncManager:
    """Runs one sync at a time towards the latest requested target."""

    def __init__(self, chain: Blockchain, executor: Any, peers: PeerSet, mode: str = "full",
                 datadir: Path | None = None) -> None:
        self.chain = chain
        self.executor = executor
        self.peers = peers
        self.mode = mode
        self.datadir = datadir
        self.fetcher = Fetcher(peers)
        self.target: bytes | None = None
        self.progress: Progress | None = None
        self.wakeup = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.snap_syncer = SnapSync(chain, self.fetcher, self._write)
        saved = self._target_file()
        if saved is not None and saved.exists():
            try:
                self.target = bytes.fromhex(saved.read_text().strip())
            except ValueError:
                self.target = None

    def _target_file(self) -> Path | None:
        return None if self.datadir is None else self.datadir / TARGET_FILE

    # -- requests (any thread) ---------------------------------------------------------------

    def request_sync(self, block_hash: bytes) -> None:
        """Sync towards ``block_hash``; safe to call from the Engine API's thread."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.set_target, block_hash)
        else:
            self.target = block_hash

    def set_target(self, block_hash: bytes) -> None:
        if self.target != block_hash:
            log.info("sync target 0x%s", block_hash.hex())
        self.target = block_hash
        path = self._target_file()
        if path is not None:
            path.write_text(block_hash.hex())
        self.wakeup.set()

    def on_peer(self, peer: Peer) -> None:
        self.wakeup.set()

    def syncing(self) -> dict[str, Any] | bool:
        """``eth_syncing``: False, or the block numbers of the running sync."""
        p = self.progress
        if p is None:
            return False
        return {"startingBlock": hex(p.starting), "currentBlock": hex(p.current),
                "highestBlock": hex(p.highest), "syncMode": p.mode, "phase": p.phase}

    # -- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        self.loop = asyncio.get_running_loop()
        while True:
            if self.target is None or self._reached(self.target):
                self._done()
                self.wakeup.clear()
                await self.wakeup.wait()
                continue
            target = self.target
            try:
                await self.sync_to(target)
            except (NoPeers, SyncFailed) as exc:
                log.warning("sync towards 0x%s: %s", target.hex()[:16], exc)
                if isinstance(exc, SyncFailed):
                    self.target = None
                    self._done()
                await asyncio.sleep(RETRY_DELAY)
            finally:
                self.progress = None

    def _reached(self, target: bytes) -> bool:
        store = self.chain.store
        return store.head() == target or (store.is_canonical(target)
                                          and store.has_block(target))

    def _done(self) -> None:
        path = self._target_file()
        if path is not None and path.exists():
            path.unlink()

    async def _write(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the node's single writer thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def sync_to(self, target_hash: bytes) -> None:
        """One sync run towards ``target_hash``."""
        while not self.peers.eth_peers():
            self.wakeup.clear()
            await self.wakeup.wait()
        target = self.chain.store.get_header(target_hash)
        if target is None:
            target = await fetch_header(self.fetcher, target_hash)
        head = self.chain.head_header()
        mode = self.mode
        if mode == "snap" and (target.number - head.number < SNAP_MIN_DISTANCE
                               or not self.peers.snap_peers()):
            mode = "full"
        progress = self.progress = Progress(head.number, target.number, mode)
        log.info("sync (%s) from #%d towards #%d 0x%s", mode, head.number, target.number,
                 target_hash.hex()[:16])
        if mode == "snap":
            await self.snap_syncer.sync(target, progress)
        else:
            headers = await download_headers(self.chain, self.fetcher, self._write, target,
                                             progress)
            await execute_blocks(self.chain, self.fetcher, self._write, headers, progress)
        if has_state(self.chain, target):
            await self._write(self.chain.forkchoice_update, target_hash)
        log.info("sync done: head #%d 0x%s", target.number, target_hash.hex()[:16])
