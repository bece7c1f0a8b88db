"""The committer and the verifier stand-in against a fake proposer: batches go to L1 once and
in order, one that L1 already has (a commit mined just before a crash) is not sent again, and
commits or verifications an L1 reorg dropped are sent again."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.l2.abi import decode, encode_call, selector
from ethrex.l2.genesis import l2_genesis
from ethrex.l2.rollup.batch import BatchCommitment
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.sender import Mined
from ethrex.l2.sequencer.committer import BatchPolicy, Committer, DeploymentMismatch, Sealer
from ethrex.l2.sequencer.verifier import Verifier
from ethrex.l2.store import COMMITTED, VERIFIED, BatchRecord, RollupStore
from ethrex.storage import Store

PROPOSER = b"\x99" * 20


class FakeProposer:
    """``OnChainProposer``'s counters, read by eth_call and moved by sent transactions."""

    def __init__(self, genesis_root: bytes) -> None:
        self.genesis_root = genesis_root
        self.committed = self.verified = 0
        self.calls: list[str] = []
        self.client = self

    async def eth_call(self, to: bytes, data: bytes) -> bytes:
        if data == encode_call("lastCommittedBatch()"):
            return self.committed.to_bytes(32, "big")
        if data == encode_call("lastVerifiedBatch()"):
            return self.verified.to_bytes(32, "big")
        assert data == encode_call("batches(uint256)", 0)
        return self.genesis_root + bytes(160)

    async def send(self, to: bytes, data: bytes, value: int = 0) -> Mined:
        if data[:4] == selector("verifyBatch(uint256)"):
            (number,) = decode(["uint256"], data[4:])
            assert number == self.verified + 1
            self.verified = number
            self.calls.append(f"verify {number}")
        else:
            (number,) = decode(["uint256"], data[4:36])
            assert number == self.committed + 1, f"commit {number} after {self.committed}"
            self.committed = number
            self.calls.append(f"commit {number}")
        return Mined(bytes([number]) * 32, 1, 150_000, {})


def _setup(batches: int) -> tuple[Committer, Verifier, FakeProposer, RollupStore, Any]:
    chain = Blockchain.open(Store.in_memory(), l2_genesis(), hooks=L2Hooks())
    rollup = RollupStore(chain.store)
    for n in range(1, batches + 1):
        rollup.put_batch(BatchRecord(BatchCommitment(n, n, n, b"\x01" * 32, bytes(32), 0,
                                                     bytes(32), b"\x02" * 32), 1))
    l1 = FakeProposer(chain.head_header().state_root)
    executor = ThreadPoolExecutor(1)
    sealer = Sealer(chain, rollup, BatchPolicy())
    return (Committer(sealer, l1, executor, PROPOSER),  # type: ignore[arg-type]
            Verifier(l1, rollup, executor, PROPOSER), l1, rollup, executor)  # type: ignore


def _drain(step: Any) -> None:
    async def go() -> None:
        while await step():
            pass
    asyncio.run(go())


def test_batches_are_committed_and_verified_once_in_order() -> None:
    committer, verifier, l1, rollup, executor = _setup(3)
    l1.committed = 1  # batch 1 was mined just before a crash
    _drain(committer.step)
    _drain(verifier.step)
    assert l1.calls == ["commit 2", "commit 3", "verify 1", "verify 2", "verify 3"]
    assert [r.status for r in rollup.batches()] == [VERIFIED] * 3
    assert rollup.get_batch(2).commit_gas == 150_000  # type: ignore[union-attr]
    assert rollup.get_batch(1).commit_tx == b""  # type: ignore[union-attr]  # not ours
    executor.shutdown()


def test_commits_and_verifications_lost_in_a_reorg_are_sent_again() -> None:
    committer, verifier, l1, rollup, executor = _setup(4)
    _drain(committer.step)
    _drain(verifier.step)
    rollup.put_batch(BatchRecord(BatchCommitment(5, 5, 5, b"\x01" * 32, bytes(32), 0,
                                                 bytes(32), b"\x02" * 32), 1))
    l1.committed, l1.verified = 2, 1  # L1 went back
    l1.calls.clear()
    _drain(committer.step)
    assert l1.calls == ["commit 3", "commit 4", "commit 5"]
    assert [r.status for r in rollup.batches()] == [VERIFIED] * 2 + [COMMITTED] * 3
    _drain(verifier.step)
    assert l1.calls[3:] == ["verify 2", "verify 3", "verify 4", "verify 5"]
    assert [r.status for r in rollup.batches()] == [VERIFIED] * 5
    executor.shutdown()


def test_another_deployment_is_refused() -> None:
    committer, _, l1, _, executor = _setup(1)
    l1.genesis_root = b"\x07" * 32
    with pytest.raises(DeploymentMismatch, match="another chain id"):
        asyncio.run(committer.step())
    assert l1.calls == []
    executor.shutdown()
