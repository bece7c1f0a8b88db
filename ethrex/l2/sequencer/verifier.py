"""The verifier stand-in: marks each committed batch verified on L1 with the owner's
``OnChainProposer.verifyBatch``, in order. Proof verification (the next part of the rollup)
replaces it by a proof sender that waits for each batch's proofs."""

import asyncio
import logging
from concurrent.futures import Executor

from ethrex.l2.abi import encode_call
from ethrex.l2.sender import TxSender
from ethrex.l2.sequencer.committer import last_batch_on_l1
from ethrex.l2.sequencer.loop import run_forever
from ethrex.l2.store import COMMITTED, VERIFIED, RollupStore

log = logging.getLogger("ethrex.l2.verifier")


class Verifier:
    """Verifies committed batches on the proposer at ``proposer``, in order."""

    def __init__(self, sender: TxSender, rollup: RollupStore, executor: Executor,
                 proposer: bytes) -> None:
        self.sender = sender
        self.rollup = rollup
        self.executor = executor
        self.proposer = proposer
        self.next = 1  # every batch before it is verified

    async def step(self) -> bool:
        """Verify the next committed batch; True when it did."""
        record = self.rollup.get_batch(self.next)
        while record is not None and record.status == VERIFIED:
            self.next += 1
            record = self.rollup.get_batch(self.next)
        if record is None or record.status != COMMITTED:
            return False
        number = self.next
        on_l1 = await last_batch_on_l1(self.sender, self.proposer, "lastVerifiedBatch()")
        loop = asyncio.get_running_loop()
        if on_l1 < number - 1:  # an L1 reorg dropped verifications: they are sent again
            log.warning("L1 has verified batches up to %d, this sequencer up to %d (an L1 "
                        "reorg?): verifying again from batch %d", on_l1, number - 1, on_l1 + 1)
            await loop.run_in_executor(self.executor, self.rollup.reopen, on_l1 + 1, number - 1,
                                       COMMITTED)
            self.next = on_l1 + 1
            return True
        verify_tx = b""
        if on_l1 < number:
            mined = await self.sender.send(self.proposer,
                                           encode_call("verifyBatch(uint256)", number))
            verify_tx = mined.tx_hash
            log.info("batch %d verified (stand-in, %d L1 gas)", number, mined.gas_used)
        await loop.run_in_executor(
            self.executor, lambda: self.rollup.mark(number, status=VERIFIED, verify_tx=verify_tx))
        return True


async def run_verifier(verifier: Verifier, poll: float) -> None:
    """Verify until cancelled."""
    await run_forever("verifier", poll, verifier.step)
