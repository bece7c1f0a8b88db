"""The proof sender: verifies committed batches on L1, in order, with their stored proofs.

It reads the proof types the L1 proposer requires (``requiredProofs``, set at deployment) and,
for the first committed batch not yet verified, waits until the proof coordinator has stored a
proof of each required type, then sends ``OnChainProposer.verifyBatch(number, proofs)``. A
batch whose proofs L1 refuses (its committed inputs are not what re-execution gives: a faulty
sequencer) is retried and holds back every batch after it; its withdrawals stay unclaimable.
"""

import asyncio
import logging
from concurrent.futures import Executor

from ethrex.l2.abi import encode_call
from ethrex.l2.prover.backends import PROOF_TYPES
from ethrex.l2.sender import TxSender
from ethrex.l2.sequencer.committer import last_batch_on_l1
from ethrex.l2.sequencer.loop import run_forever
from ethrex.l2.store import COMMITTED, VERIFIED, RollupStore

log = logging.getLogger("ethrex.l2.proof_sender")

VERIFY_BATCH = "verifyBatch(uint256,bytes[])"


class ProofSender:
    """Verifies committed batches on the proposer at ``proposer``, in order."""

    def __init__(self, sender: TxSender, rollup: RollupStore, executor: Executor,
                 proposer: bytes) -> None:
        self.sender = sender
        self.rollup = rollup
        self.executor = executor
        self.proposer = proposer
        self.next = 1  # every batch before it is verified
        self.required: int | None = None  # bit i: a proof of type i is required

    async def step(self) -> bool:
        """Verify the next committed batch if its proofs are in; True when it did."""
        if self.required is None:
            self.required = await last_batch_on_l1(self.sender, self.proposer,
                                                   "requiredProofs()")
        record = self.rollup.get_batch(self.next)
        while record is not None and record.status == VERIFIED:
            self.next += 1
            record = self.rollup.get_batch(self.next)
        if record is None or record.status != COMMITTED:
            return False
        number = self.next
        proofs = [self.rollup.get_proof(number, t) if self.required >> t & 1 else b""
                  for t in range(PROOF_TYPES)]
        if any(proof is None for proof in proofs):
            return False
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
                                           encode_call(VERIFY_BATCH, number, proofs))
            verify_tx = mined.tx_hash
            log.info("batch %d verified (%d L1 gas)", number, mined.gas_used)
        await loop.run_in_executor(
            self.executor, lambda: self.rollup.mark(number, status=VERIFIED, verify_tx=verify_tx))
        return True


async def run_proof_sender(proof_sender: ProofSender, poll: float) -> None:
    """Verify until cancelled."""
    await run_forever("proof sender", poll, proof_sender.step)
