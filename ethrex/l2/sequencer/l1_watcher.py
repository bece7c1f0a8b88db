"""The L1 watcher: reads the bridge's ``PrivilegedTxSent`` logs into deposits.

It reads only L1 blocks at least ``confirmations`` deep, in ranges of at most ``MAX_RANGE``
blocks, and stores each range's deposits with the new cursor (the last block read, with its
hash) in one store write. Deposit ids must follow each other: a gap means a log was missed and
the range is read again. Before each range the watcher checks that the cursor's block is still
on L1's chain; when a reorg deeper than the confirmations replaced it, it reads again from
``REORG_REWIND`` blocks earlier: deposits not yet included on L2 are replaced by what L1 says
now, and a changed deposit that an L2 block already included is reported (L1 then refuses the
batch that holds it). Every failure of L1 (down, slow, errors) is logged and retried.
"""

import asyncio
import logging
from typing import Any

from ethrex.errors import EthrexError
from ethrex.l2.abi import AbiError, decode, encode_call, event_topic
from ethrex.l2.client import EthClient, hex_int
from ethrex.l2.sequencer.loop import L1_FAILURES, run_forever
from ethrex.l2.store import Deposit, RollupStore
from ethrex.primitives import hex_to_bytes
from ethrex.types.transactions import PrivilegedL2Transaction

log = logging.getLogger("ethrex.l2.watcher")

PRIVILEGED_TX_SENT = event_topic(
    "PrivilegedTxSent(address,address,uint256,uint256,uint256,bytes)")
MAX_RANGE = 1000  # L1 blocks per eth_getLogs
REORG_REWIND = 64


class WatcherError(EthrexError):
    """A log of the bridge that is not a privileged transaction as this node knows it."""


def parse_deposit(entry: dict[str, Any], chain_id: int) -> Deposit:
    """A ``PrivilegedTxSent`` log as a deposit (privileged transaction)."""
    try:
        topics = [hex_to_bytes(t) for t in entry["topics"]]
        if len(topics) != 4 or topics[0] != PRIVILEGED_TX_SENT:
            raise WatcherError(f"not a PrivilegedTxSent log: {entry}")
        value, gas_limit, data = decode(["uint256", "uint256", "bytes"],
                                        hex_to_bytes(entry["data"]))
        tx = PrivilegedL2Transaction(
            chain_id=chain_id, nonce=int.from_bytes(topics[3], "big"),
            max_priority_fee_per_gas=0, max_fee_per_gas=0, gas=gas_limit,
            to=topics[2][12:], value=value, data=data, access_list=(), sender=topics[1][12:])
        return Deposit(tx, hex_int(entry["blockNumber"]), hex_to_bytes(entry["transactionHash"]))
    except (KeyError, TypeError, ValueError, AbiError) as exc:
        raise WatcherError(f"malformed PrivilegedTxSent log {entry}: {exc}") from None


class L1Watcher:
    """Reads deposits from the bridge at ``bridge`` on L1 into ``rollup``."""

    def __init__(self, l1: EthClient, rollup: RollupStore, executor: Any, bridge: bytes,
                 chain_id: int, confirmations: int, poll: float) -> None:
        self.l1 = l1
        self.rollup = rollup
        self.executor = executor
        self.bridge = bridge
        self.chain_id = chain_id
        self.confirmations = confirmations
        self.poll = poll
        self.next_id = -1  # the id the next deposit must have (known after the first read)

    async def _write(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def start_block(self) -> int:
        """The first L1 block to read: after the cursor, or the bridge's deployment block."""
        cursor = self.rollup.l1_cursor()
        if cursor is not None:
            return cursor[0] + 1
        deployed = await self.l1.eth_call(self.bridge, encode_call("deployedAtBlock()"))
        if len(deployed) != 32:
            raise WatcherError(f"the bridge at 0x{self.bridge.hex()} has no deployedAtBlock(): "
                               "is it a CommonBridge?")
        return int.from_bytes(deployed, "big")

    async def step(self) -> bool:
        """Read the next confirmed range, if any; True when more confirmed blocks wait."""
        if self.next_id < 0:
            self.next_id = await self._write(self.rollup.deposit_count)
        first = await self._check_cursor()
        safe = await self.l1.block_number() - self.confirmations
        if safe < first:
            return False
        last = min(safe, first + MAX_RANGE - 1)
        block = await self.l1.get_block(last)
        if block is None:
            return False  # L1 went back meanwhile
        entries = await self.l1.get_logs(self.bridge, ["0x" + PRIVILEGED_TX_SENT.hex()], first,
                                         last)
        deposits = [parse_deposit(e, self.chain_id) for e in entries if not e.get("removed")]
        deposits.sort(key=lambda d: d.tx.nonce)
        fresh, next_id = self._reconcile(deposits)
        await self._write(self.rollup.store_deposits, fresh,
                          (last, hex_to_bytes(block["hash"])))
        if next_id > self.next_id:
            log.info("deposits %d..%d read from L1 blocks %d..%d", self.next_id, next_id - 1,
                     first, last)
            self.next_id = next_id
        return last < safe

    async def _check_cursor(self) -> int:
        """The first block to read, rewound when L1 no longer has the cursor's block."""
        cursor = self.rollup.l1_cursor()
        if cursor is None:
            return await self.start_block()
        number, block_hash = cursor
        block = await self.l1.get_block(number)
        if block is not None and hex_to_bytes(block["hash"]) == block_hash:
            return number + 1
        log.warning("L1 block %d changed (a reorg deeper than %d confirmations): reading "
                    "deposits again from block %d", number, self.confirmations,
                    number - REORG_REWIND)
        return max(number - REORG_REWIND, 0)

    def _reconcile(self, deposits: list[Deposit]) -> tuple[list[Deposit], int]:
        """The deposits to store and the next id after them: new ones must continue the ids;
        ones read before are kept unless L1 changed them before an L2 block included them."""
        included = self.rollup.next_deposit()
        out = []
        expected = self.next_id
        for d in deposits:
            deposit_id = d.tx.nonce
            if deposit_id < expected:
                known = self.rollup.get_deposit(deposit_id)
                if known is not None and known.tx != d.tx:
                    if deposit_id < included:
                        log.error("L1 reorg changed deposit %d after L2 included it: L1 will "
                                  "refuse the batch holding it", deposit_id)
                    else:
                        out.append(d)
                continue
            if deposit_id != expected:
                raise WatcherError(f"deposit ids jump from {expected - 1} to {deposit_id}")
            out.append(d)
            expected += 1
        return out, expected


async def run_l1_watcher(watcher: L1Watcher) -> None:
    """Read deposits until cancelled."""
    await run_forever("L1 watcher", watcher.poll, watcher.step, L1_FAILURES + (WatcherError,))
