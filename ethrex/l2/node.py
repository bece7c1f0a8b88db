"""The L2 node: the JSON-RPC server and the sequencer's loops over an L2 chain.

``ethrex.node`` opens the L2 chain (store, ``Blockchain`` with the rollup's hooks, executor,
node context) and runs ``serve_l2`` until a signal; every task here belongs to one TaskGroup.
The RPC server and the block producer start at once, whatever L1 does; the L1 watcher, the
committer and the verifier stand-in talk to L1 and keep retrying while it is down.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ethrex.l2.client import EthClient
from ethrex.l2.errors import L2ConfigError
from ethrex.l2.journal import JOURNAL_FILE, TxJournal
from ethrex.l2.rpc import L2Context, l2_handlers
from ethrex.l2.sender import TxSender
from ethrex.l2.sequencer.block_producer import run_block_producer
from ethrex.l2.sequencer.committer import BatchPolicy, Committer, Sealer, run_committer
from ethrex.l2.sequencer.l1_watcher import L1Watcher, run_l1_watcher
from ethrex.l2.sequencer.verifier import Verifier, run_verifier
from ethrex.l2.store import RollupStore
from ethrex.rpc.context import NodeContext
from ethrex.rpc.server import RpcServer

log = logging.getLogger("ethrex.l2")

DEFAULT_L2_PORT = 1729


@dataclass(frozen=True, slots=True)
class SequencerConfig:
    """What ``ethrex l2`` runs with (``ethrex.l2.cli`` reads it from the command line)."""

    l1_url: str
    bridge: bytes
    proposer: bytes
    committer_key: bytes  # the proposer's sequencer: sends commitBatch
    verifier_key: bytes  # the proposer's owner: sends the stand-in verifyBatch
    coinbase: bytes = bytes(20)
    block_time: float = 1.0  # seconds
    confirmations: int = 2  # L1 blocks on top of a deposit's before it is read
    l1_poll: float = 1.0
    bump_after: float = 12.0  # seconds without a receipt before an L1 fee bump
    policy: BatchPolicy = field(default_factory=BatchPolicy)
    http_addr: str = "127.0.0.1"
    http_port: int = DEFAULT_L2_PORT


async def serve_l2(ctx: NodeContext, config: SequencerConfig, stop: asyncio.Event) -> None:
    """Serve the L2 until ``stop`` is set."""
    rollup = RollupStore(ctx.chain.store)
    journal = TxJournal(Path(ctx.datadir or ".") / JOURNAL_FILE, ctx.mempool)
    restored = journal.restore()
    if restored:
        print(f"ethrex l2: {restored} transactions back from the pool's journal", flush=True)
    server = RpcServer(l2_handlers(L2Context(ctx, rollup, config.bridge, config.proposer)),
                       config.http_addr, config.http_port)
    try:
        await server.start()
    except OSError as exc:
        journal.close()
        raise L2ConfigError(f"L2 RPC: cannot listen on {config.http_addr}:{config.http_port}: "
                          f"{exc.strerror or exc}") from None
    print(f"ethrex l2: http listening on {config.http_addr}:{config.http_port}", flush=True)
    try:
        async with EthClient(config.l1_url) as l1:
            committer = TxSender(l1, config.committer_key, config.bump_after)
            verifier = committer if config.verifier_key == config.committer_key \
                else TxSender(l1, config.verifier_key, config.bump_after)
            watcher = L1Watcher(l1, rollup, ctx.executor, config.bridge,
                                ctx.chain.config.chain_id, config.confirmations,
                                config.l1_poll)
            sealer = Sealer(ctx.chain, rollup, config.policy)
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(run_block_producer(ctx, rollup, config.coinbase,
                                                         config.block_time, journal)),
                    group.create_task(run_l1_watcher(watcher)),
                    group.create_task(run_committer(
                        Committer(sealer, committer, ctx.executor, config.proposer),
                        config.l1_poll)),
                    group.create_task(run_verifier(
                        Verifier(verifier, rollup, ctx.executor, config.proposer),
                        config.l1_poll)),
                ]
                print(f"ethrex l2: sequencing (L1 {config.l1_url}, bridge "
                      f"0x{config.bridge.hex()}, proposer 0x{config.proposer.hex()})",
                      flush=True)
                await stop.wait()  # a failing task cancels this wait and the group raises
                for task in tasks:
                    task.cancel()
    finally:
        await server.stop()
        journal.close()
