"""The prover's figures on an in-memory L2 (no L1): per batch of transfer blocks, the
execution witness's size, the time to record it (the coordinator's work) and to re-execute the
batch from it alone (``batch_public_inputs``: what every prover backend runs), per batch and
per Mgas; then the proof round trip through the proof coordinator and a prover client over
loopback TCP (job built, sent, re-executed, proven, returned, stored), for the exec and the
attested backend.

    .venv/bin/python bench/l2_prover.py [--senders 200] [--blocks 10] [--per-block 200]
    .venv/bin/python bench/l2_prover.py --verify-gas     # L1 gas of verifyBatch per backend

``--verify-gas`` deploys the contracts on an ``ethrex --dev`` L1 once per proof configuration
(exec; attested; exec + attested), runs the sequencer and ``ethrex l2 prover`` subprocesses,
makes two batches (a deposit, then a transfer) and reads the gas of their ``verifyBatch``.

Both run in this one process (the client's re-execution on a worker thread, as
``ethrex l2 prover`` does), so the round trip shares one interpreter with the coordinator.
"""

import argparse
import asyncio
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethrex.blockchain.blockchain import Blockchain  # noqa: E402
from ethrex.blockchain.witness import record_witness  # noqa: E402
from ethrex.crypto.secp256k1 import private_key_to_address  # noqa: E402
from ethrex.l2.abi import encode_call  # noqa: E402
from ethrex.l2.genesis import L2_CHAIN_ID, l2_genesis  # noqa: E402
from ethrex.l2.prover.backends import ATTESTED, EXEC  # noqa: E402
from ethrex.l2.prover.client import ProverClient  # noqa: E402
from ethrex.l2.prover.program import ProverInput, batch_public_inputs  # noqa: E402
from ethrex.l2.rollup.batch import BatchCommitment, batch_commitment  # noqa: E402
from ethrex.l2.rollup.batch_data import data_commitment  # noqa: E402
from ethrex.l2.rollup.hooks import L2Hooks  # noqa: E402
from ethrex.l2.rollup.messages import L2_BRIDGE  # noqa: E402
from ethrex.l2.rollup.privileged import ZERO_HASH  # noqa: E402
from ethrex.l2.sequencer.block_producer import produce_block  # noqa: E402
from ethrex.l2.sequencer.proof_coordinator import ProofCoordinator  # noqa: E402
from ethrex.l2.store import COMMITTED, VERIFIED, BatchRecord, Deposit, RollupStore  # noqa: E402
from ethrex.primitives import keccak256  # noqa: E402
from ethrex.rpc.context import NodeContext, node_context  # noqa: E402
from ethrex.state.witness import encode_witness  # noqa: E402
from ethrex.storage import Store  # noqa: E402
from ethrex.types.block import Block  # noqa: E402
from ethrex.types.transactions import (  # noqa: E402
    FeeMarketTransaction,
    PrivilegedL2Transaction,
    sign_transaction,
)
from tests.e2e.harness import DEV_KEYS, free_port  # noqa: E402
from tests.e2e.l2_harness import ethrex_l2, l1_node, provers, sequencer, wait_for  # noqa: E402

ETHER = 10**18


def _chain(senders: list[bytes]) -> tuple[NodeContext, RollupStore]:
    """An L2 whose first block deposits 10 ETH to each sender."""
    chain = Blockchain.open(Store.in_memory(), l2_genesis(L2_CHAIN_ID), hooks=L2Hooks())
    ctx = node_context(chain, ThreadPoolExecutor(1), network="l2")
    rollup = RollupStore(chain.store)
    deposits = [Deposit(PrivilegedL2Transaction(
        L2_CHAIN_ID, i, 0, 0, 100_000, L2_BRIDGE, 10 * ETHER,
        encode_call("mintETH(address)", private_key_to_address(key)), (), L2_BRIDGE),
        1, bytes(32)) for i, key in enumerate(senders)]
    rollup.store_deposits(deposits, (1, bytes(32)))
    while rollup.next_deposit() < len(senders):
        _produce(ctx, rollup)
    return ctx, rollup


def _produce(ctx: NodeContext, rollup: RollupStore) -> Block:
    block = produce_block(ctx, rollup, bytes(20), now=ctx.chain.head_header().timestamp + 1)
    assert block is not None
    return block


def _transfer_blocks(ctx: NodeContext, rollup: RollupStore, keys: list[bytes], blocks: int,
                     per_block: int, nonces: dict[bytes, int]) -> list[Block]:
    out = []
    for b in range(blocks):
        for i in range(per_block):
            key = keys[(b * per_block + i) % len(keys)]
            nonce = nonces.get(key, 0)
            nonces[key] = nonce + 1
            tx = FeeMarketTransaction(L2_CHAIN_ID, nonce, 10**9, 10 * 10**9, 21_000,
                                      keccak256(key + b"to")[:20], 1000, b"", (), 0, 0, 0)
            ctx.mempool.add(sign_transaction(tx, key))
        block = _produce(ctx, rollup)
        assert len(block.transactions) == per_block, len(block.transactions)
        out.append(block)
    return out


def _commit(ctx: NodeContext, rollup: RollupStore, number: int, blocks: list[Block],
            status: int) -> BatchCommitment:
    """Store ``blocks`` as batch ``number`` with ``status`` (what the committer would)."""
    previous = rollup.get_batch(number - 1)
    receipts = [ctx.chain.store.get_receipts(b.header.hash()) or [] for b in blocks]
    c = batch_commitment(number, blocks, receipts,
                         previous.commitment.privileged_rolling_hash if previous else ZERO_HASH)
    rollup.put_batch(BatchRecord(c, 0, status=status))
    return c


def _round_trip(ctx: NodeContext, rollup: RollupStore, number: int) -> dict[str, float]:
    """Seconds from a prover's ask to its proof stored, per backend, over loopback TCP."""
    key = keccak256(b"bench attester")
    attester = private_key_to_address(key)

    async def is_attester(address: bytes) -> bool:
        return address == attester

    async def run() -> dict[str, float]:
        port = free_port()
        coordinator = ProofCoordinator(ctx.chain, rollup, ctx.executor, "127.0.0.1", port,
                                       600, is_attester)
        await coordinator.start()
        out = {}
        try:
            for name, kind, signer in (("exec", EXEC, None), ("attested", ATTESTED, key)):
                client = ProverClient("127.0.0.1", port, name, kind, signer,
                                      lambda chain_id: ctx.chain.config)
                start = time.perf_counter()
                assert await client.step() and client.proven == 1
                out[name] = time.perf_counter() - start
        finally:
            await coordinator.stop()
        return out

    return asyncio.run(run())


def verify_gas() -> None:
    """The L1 gas of ``verifyBatch`` for each proof configuration (see the docstring)."""
    attester_key = "0x" + "a7" * 32
    attester = Account.from_key(attester_key).address
    print("| proofs | verifyBatch L1 gas (batch 1, batch 2) | proof round trip, s (handed out "
          "-> stored, per batch and backend) |\n|---|---|---|")
    for proofs in ("exec", "attested", "exec,attested"):
        specs = [(name, attester_key if name == "attested" else None)
                 for name in proofs.split(",")]
        with l1_node("ethrex") as l1_url, sequencer(
                l1_url, deploy_args=("--proofs", proofs, "--attester", attester),
                exec_prover=False) as (node, _), provers(node, *specs):
            l1 = Web3(Web3.HTTPProvider(l1_url))
            ethrex_l2("deposit", "--l1.rpc", l1_url, "--l2.rpc", node.url, "--private-key",
                      DEV_KEYS[1], "--amount", "1")

            def verified(number: int) -> Any:
                batch = node.rpc().call("ethrex_getBatchByNumber", hex(number))
                return batch if batch and batch["status"] == "verified" else None

            first = wait_for("batch 1 verified", lambda: verified(1), 90)
            ethrex_l2("withdraw", "--l2.rpc", node.url, "--private-key", DEV_KEYS[1],
                      "--amount", "0.1")
            second = wait_for("batch 2 verified", lambda: verified(2), 90)
            gas = [l1.eth.get_transaction_receipt(b["verifyTransaction"])["gasUsed"]
                   for b in (first, second)]
            trips = _round_trips(node.log_text())
        print(f"| {proofs} | {gas[0]:,}, {gas[1]:,} | {', '.join(trips)} |", flush=True)


def _round_trips(log: str) -> list[str]:
    """``batch/backend seconds`` from the coordinator's log lines (handed out, stored)."""
    handed: dict[tuple[str, str], datetime] = {}
    out = []
    for line in log.splitlines():
        found = re.match(r"(\S+ \S+) INFO ethrex.l2.coordinator: batch (\d+)(?: handed to a|:) "
                         r"(\w+) (prover|proof stored)", line)
        if found is None:
            continue
        when = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f")
        key = (found.group(2), found.group(3))
        if found.group(4) == "prover":
            handed[key] = when
        elif key in handed:
            out.append(f"{key[0]}/{key[1]} {(when - handed[key]).total_seconds():.2f}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--blocks", type=int, default=10, help="blocks per batch")
    parser.add_argument("--per-block", type=int, default=200, help="transfers per block")
    parser.add_argument("--verify-gas", action="store_true")
    args = parser.parse_args()
    if args.verify_gas:
        verify_gas()
        return 0
    keys = [keccak256(b"sender %d" % i) for i in range(args.senders)]
    ctx, rollup = _chain(keys)
    nonces: dict[bytes, int] = {}
    print("| batch | blocks | txs | Mgas | witness KiB | KiB / Mgas | nodes | record s | "
          "stateless s | of which data commitment s | stateless s / Mgas | round trip exec s | "
          "round trip attested s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    data_commitment([ctx.chain.store.get_block_by_number(1)])  # type: ignore[list-item]
    # (the KZG trusted setup loads on first use: not a batch's cost)
    store = ctx.chain.store
    deposit_blocks = [store.get_block_by_number(n)
                      for n in range(1, ctx.chain.head_header().number + 1)]
    _commit(ctx, rollup, 1, deposit_blocks, VERIFIED)  # type: ignore[arg-type]
    for number, blocks in ((2, 1), (3, args.blocks)):
        batch = _transfer_blocks(ctx, rollup, keys, blocks, args.per_block, nonces)
        gas = sum(b.header.gas_used for b in batch) / 1e6
        start = time.perf_counter()
        witness = record_witness(ctx.chain, batch)
        recorded = time.perf_counter() - start
        previous = rollup.get_batch(number - 1).commitment  # type: ignore[union-attr]
        job = ProverInput(number, tuple(batch), witness, previous.privileged_rolling_hash)
        size = len(encode_witness(witness)) / 1024
        start = time.perf_counter()
        inputs = batch_public_inputs(ProverInput.decode(job.encode()), ctx.chain.config)
        stateless = time.perf_counter() - start
        start = time.perf_counter()
        data_commitment(batch)
        data_time = time.perf_counter() - start
        commitment = _commit(ctx, rollup, number, batch, COMMITTED)
        assert inputs.final_state_root == commitment.state_root
        trip = _round_trip(ctx, rollup, number)
        print(f"| {number} | {blocks} | {blocks * args.per_block} | {gas:.1f} | {size:,.0f} | "
              f"{size / gas:.1f} | {len(witness.state):,} | {recorded:.2f} | {stateless:.2f} | "
              f"{data_time:.2f} | "
              f"{stateless / gas:.3f} | {trip['exec']:.2f} | {trip['attested']:.2f} |")
    ctx.executor.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
