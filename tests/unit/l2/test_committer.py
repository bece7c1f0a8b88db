"""The committer and the proof sender against a fake proposer: batches go to L1 once and in
order, one that L1 already has (a commit mined just before a crash) is not sent again, commits
or verifications an L1 reorg dropped are sent again, a batch is verified only once the proofs
L1 requires are stored (and with them), and the faulty-sequencer test hook commits a wrong
state root."""

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
from ethrex.l2.prover.backends import ATTESTED, EXEC
from ethrex.l2.sequencer.proof_sender import VERIFY_BATCH, ProofSender
from ethrex.l2.store import COMMITTED, VERIFIED, BatchRecord, RollupStore
from ethrex.storage import Store

PROPOSER = b"\x99" * 20


class FakeProposer:
    """``OnChainProposer``'s counters, read by eth_call and moved by sent transactions."""

    def __init__(self, genesis_root: bytes) -> None:
        self.genesis_root = genesis_root
        self.committed = self.verified = 0
        self.required = 1 << EXEC
        self.calls: list[str] = []
        self.proofs: dict[int, list[bytes]] = {}
        self.state_roots: dict[int, bytes] = {}
        self.client = self

    async def eth_call(self, to: bytes, data: bytes) -> bytes:
        if data == encode_call("lastCommittedBatch()"):
            return self.committed.to_bytes(32, "big")
        if data == encode_call("lastVerifiedBatch()"):
            return self.verified.to_bytes(32, "big")
        if data == encode_call("requiredProofs()"):
            return self.required.to_bytes(32, "big")
        assert data == encode_call("batches(uint256)", 0)
        return self.genesis_root + bytes(160)

    async def send(self, to: bytes, data: bytes, value: int = 0) -> Mined:
        if data[:4] == selector(VERIFY_BATCH):
            number, proofs = decode(["uint256", "bytes[]"], data[4:])
            assert number == self.verified + 1
            self.verified = number
            self.proofs[number] = proofs
            self.calls.append(f"verify {number}")
        else:
            number, root = decode(["uint256", "uint256", "uint256", "bytes32"], data[4:132])[::3]
            assert number == self.committed + 1, f"commit {number} after {self.committed}"
            self.state_roots[number] = root
            self.committed = number
            self.calls.append(f"commit {number}")
        return Mined(bytes([number]) * 32, 1, 150_000, {})


def _setup(batches: int, proven: bool = True, wrong_state_root_batch: int = 0
           ) -> tuple[Committer, ProofSender, FakeProposer, RollupStore, Any]:
    chain = Blockchain.open(Store.in_memory(), l2_genesis(), hooks=L2Hooks())
    rollup = RollupStore(chain.store)
    for n in range(1, batches + 1):
        rollup.put_batch(BatchRecord(BatchCommitment(n, n, n, b"\x01" * 32, bytes(32), 0,
                                                     bytes(32), b"\x02" * 32), 1))
        if proven:
            rollup.put_proof(n, EXEC, b"exec proof %d" % n)
    l1 = FakeProposer(chain.head_header().state_root)
    executor = ThreadPoolExecutor(1)
    sealer = Sealer(chain, rollup, BatchPolicy())
    return (Committer(sealer, l1, executor, PROPOSER,  # type: ignore[arg-type]
                      wrong_state_root_batch),
            ProofSender(l1, rollup, executor, PROPOSER), l1, rollup, executor)  # type: ignore


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
    rollup.put_proof(5, EXEC, b"exec proof 5")
    l1.committed, l1.verified = 2, 1  # L1 went back
    l1.calls.clear()
    _drain(committer.step)
    assert l1.calls == ["commit 3", "commit 4", "commit 5"]
    assert [r.status for r in rollup.batches()] == [VERIFIED] * 2 + [COMMITTED] * 3
    _drain(verifier.step)
    assert l1.calls[3:] == ["verify 2", "verify 3", "verify 4", "verify 5"]
    assert [r.status for r in rollup.batches()] == [VERIFIED] * 5
    executor.shutdown()


def test_a_batch_is_verified_once_its_required_proofs_are_stored() -> None:
    committer, verifier, l1, rollup, executor = _setup(2, proven=False)
    l1.required = 1 << EXEC | 1 << ATTESTED
    _drain(committer.step)
    _drain(verifier.step)
    assert l1.verified == 0
    rollup.put_proof(1, EXEC, b"exec")
    _drain(verifier.step)
    assert l1.verified == 0  # the attestation is missing
    rollup.put_proof(1, ATTESTED, b"signature")
    rollup.put_proof(2, ATTESTED, b"signature 2")
    _drain(verifier.step)
    assert l1.verified == 1 and l1.proofs[1] == [b"exec", b"signature"]  # 2 lacks exec
    assert [r.status for r in rollup.batches()] == [VERIFIED, COMMITTED]
    executor.shutdown()


def test_the_faulty_sequencer_hook_commits_a_wrong_state_root() -> None:
    committer, _, l1, rollup, executor = _setup(3, wrong_state_root_batch=2)
    _drain(committer.step)
    assert l1.state_roots[1] == l1.state_roots[3] == b"\x01" * 32
    assert l1.state_roots[2] not in (b"\x01" * 32, bytes(32))
    assert rollup.get_batch(2).commitment.state_root == b"\x01" * 32  # type: ignore[union-attr]
    executor.shutdown()


def test_another_deployment_is_refused() -> None:
    committer, _, l1, _, executor = _setup(1)
    l1.genesis_root = b"\x07" * 32
    with pytest.raises(DeploymentMismatch, match="another chain id"):
        asyncio.run(committer.step())
    assert l1.calls == []
    executor.shutdown()
