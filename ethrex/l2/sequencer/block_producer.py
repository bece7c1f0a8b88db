"""The block producer: an L2 block every ``block_time`` seconds with the deposits read from L1
first, in L1 order, then the mempool's transactions (the payload builder's order).

The block is built by the payload builder and imported through ``Blockchain.add_block`` (the
one import path) in the same store transaction that moves the next deposit id, so a crash
leaves either both or neither.
"""

import asyncio
import logging
import time

from ethrex.blockchain.payload import PayloadAttributes, build_payload
from ethrex.l2.journal import TxJournal
from ethrex.l2.store import RollupStore
from ethrex.rpc.context import NodeContext
from ethrex.types.block import Block
from ethrex.types.transactions import PrivilegedL2Transaction

log = logging.getLogger("ethrex.l2.producer")

MAX_DEPOSITS_PER_BLOCK = 256
ZERO_HASH = bytes(32)


def produce_block(ctx: NodeContext, rollup: RollupStore, coinbase: bytes,
                  now: float | None = None) -> Block | None:
    """Build, import and make head the next L2 block (on the executor thread). None when the
    head is already ahead of the clock: timestamps grow by at least a second a block, so with
    blocks faster than one a second the L2 never runs more than a second ahead."""
    chain = ctx.chain
    parent = chain.head_header()
    clock = int(time.time() if now is None else now)
    if parent.timestamp > clock:
        return None
    timestamp = max(clock, parent.timestamp + 1)
    first = rollup.next_deposit()
    deposits = rollup.deposits_from(first, MAX_DEPOSITS_PER_BLOCK)
    attrs = PayloadAttributes(timestamp=timestamp, prev_randao=ZERO_HASH, fee_recipient=coinbase,
                              withdrawals=(), parent_beacon_block_root=ZERO_HASH)
    base_fee = parent.base_fee_per_gas  # the pool's view; the builder checks the exact one
    built = build_payload(chain, parent, attrs, ctx.mempool.pending(base_fee),
                          privileged=deposits)
    block = built.block
    included = sum(1 for tx in block.transactions if isinstance(tx, PrivilegedL2Transaction))
    with chain.store.write() as tx:
        chain.add_block(block, make_head=True)
        if included:
            rollup.set_next_deposit(tx, first + included)
    ctx.mempool.on_new_head(chain, [block], [])
    return block


async def run_block_producer(ctx: NodeContext, rollup: RollupStore, coinbase: bytes,
                             block_time: float, journal: TxJournal) -> None:
    """Produce a block every ``block_time`` seconds until cancelled (and keep the pool's
    journal short)."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while True:
        next_at += block_time
        block = await loop.run_in_executor(ctx.executor, produce_block, ctx, rollup, coinbase)
        if block is not None and block.transactions:
            log.info("block #%d: %d transactions, %d gas", block.header.number,
                     len(block.transactions), block.header.gas_used)
        journal.maybe_compact()
        delay = next_at - loop.time()
        if delay < 0:
            next_at = loop.time()  # building took longer than the block time: no catch-up burst
        await asyncio.sleep(max(delay, 0))
