"""The L2 node: the JSON-RPC server and the sequencer's loops over an L2 chain.

``ethrex.node`` opens the L2 chain (store, ``Blockchain`` with the rollup's hooks, executor,
node context) and runs ``serve_l2`` until a signal; every task here belongs to one TaskGroup.
The RPC server and the block producer start at once, whatever L1 does; the L1 watcher, the
committer and the proof sender talk to L1 and keep retrying while it is down; the proof
coordinator serves prover clients (and, with ``exec_prover``, one exec prover of its own).
"""

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ethrex.l2.abi import encode_call
from ethrex.l2.client import EthClient
from ethrex.l2.errors import L2ConfigError
from ethrex.l2.journal import JOURNAL_FILE, TxJournal
from ethrex.l2.prover.backends import BACKENDS
from ethrex.l2.prover.client import ProverClient, run_prover
from ethrex.l2.rpc import L2Context, l2_handlers
from ethrex.l2.sender import TxSender
from ethrex.l2.sequencer.block_producer import run_block_producer
from ethrex.l2.sequencer.committer import (
    BatchFiles,
    BatchPolicy,
    Committer,
    Sealer,
    run_committer,
)
from ethrex.l2.sequencer.l1_watcher import L1Watcher, run_l1_watcher
from ethrex.l2.sequencer.proof_coordinator import ProofCoordinator
from ethrex.l2.sequencer.proof_sender import ProofSender, run_proof_sender
from ethrex.l2.store import RollupStore
from ethrex.rpc.context import NodeContext
from ethrex.rpc.server import RpcServer

log = logging.getLogger("ethrex.l2")

DEFAULT_L2_PORT = 1729
DEFAULT_PROOF_PORT = 3900
BATCH_DATA_DIR = "batch-data"  # the published data of each batch (blobs, validium data)


@dataclass(frozen=True, slots=True)
class SequencerConfig:
    """What ``ethrex l2`` runs with (``ethrex.l2.cli`` reads it from the command line)."""

    l1_url: str
    bridge: bytes
    proposer: bytes
    committer_key: bytes  # the proposer's sequencer: sends commitBatch
    verifier_key: bytes  # sends verifyBatch (the sequencer's, when exec proofs are required)
    coinbase: bytes = bytes(20)
    block_time: float = 1.0  # seconds
    confirmations: int = 2  # L1 blocks on top of a deposit's before it is read
    l1_poll: float = 1.0
    bump_after: float = 12.0  # seconds without a receipt before an L1 fee bump
    policy: BatchPolicy = field(default_factory=BatchPolicy)
    http_addr: str = "127.0.0.1"
    http_port: int = DEFAULT_L2_PORT
    proof_addr: str = "127.0.0.1"  # the proof coordinator's TCP address
    proof_port: int = DEFAULT_PROOF_PORT
    proof_lease: float = 60.0  # seconds a prover has for a batch before another gets it
    exec_prover: bool = False  # run an exec prover in the sequencer (development)
    wrong_state_root_batch: int = 0  # a test hook: commit this batch with a wrong state root
    validium: bool = False  # batches commit to data kept here rather than carry blobs


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
    coordinator = None
    try:
        async with EthClient(config.l1_url) as l1:
            committer = TxSender(l1, config.committer_key, config.bump_after)
            verifier = committer if config.verifier_key == config.committer_key \
                else TxSender(l1, config.verifier_key, config.bump_after)
            watcher = L1Watcher(l1, rollup, ctx.executor, config.bridge,
                                ctx.chain.config.chain_id, config.confirmations,
                                config.l1_poll)
            sealer = Sealer(ctx.chain, rollup, config.policy)

            async def is_attester(address: bytes) -> bool:
                out = await l1.eth_call(config.proposer, encode_call("attesters(address)",
                                                                     address))
                return bool(out) and int.from_bytes(out, "big") == 1

            coordinator = ProofCoordinator(ctx.chain, rollup, ctx.executor, config.proof_addr,
                                           config.proof_port, config.proof_lease, is_attester,
                                           config.validium)
            try:
                await coordinator.start()
            except OSError as exc:
                raise L2ConfigError(f"proof coordinator: cannot listen on {config.proof_addr}:"
                                    f"{config.proof_port}: {exc.strerror or exc}") from None
            print(f"ethrex l2: proof coordinator listening on {config.proof_addr}:"
                  f"{config.proof_port}", flush=True)
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(run_block_producer(ctx, rollup, config.coinbase,
                                                         config.block_time, journal)),
                    group.create_task(run_l1_watcher(watcher)),
                    group.create_task(run_committer(
                        Committer(sealer, committer, ctx.executor, config.proposer,
                                  BatchFiles(Path(ctx.datadir or ".") / BATCH_DATA_DIR),
                                  config.validium, config.wrong_state_root_batch),
                        config.l1_poll)),
                    group.create_task(run_proof_sender(
                        ProofSender(verifier, rollup, ctx.executor, config.proposer),
                        config.l1_poll)),
                ]
                if config.exec_prover:
                    chain_config = ctx.chain.config
                    tasks.append(group.create_task(run_prover(ProverClient(
                        config.proof_addr, config.proof_port, "exec", BACKENDS["exec"], None,
                        lambda chain_id: chain_config, config.l1_poll))))
                print(f"ethrex l2: sequencing (L1 {config.l1_url}, bridge "
                      f"0x{config.bridge.hex()}, proposer 0x{config.proposer.hex()})",
                      flush=True)
                await stop.wait()  # a failing task cancels this wait and the group raises
                for task in tasks:
                    task.cancel()
    finally:
        if coordinator is not None:
            await coordinator.stop()
        await server.stop()
        journal.close()
