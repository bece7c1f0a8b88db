"""The committer and the proof sender against a fake proposer: batches go to L1 once and in
order, one that L1 already has (a commit mined just before a crash) is not sent again, commits
or verifications an L1 reorg dropped are sent again, a batch is verified only once the proofs
L1 requires are stored (and with them), and the faulty-sequencer test hook commits a wrong
state root. Each commit carries the batch's blocks as blobs whose files the committer kept, or
for a validium the commitment to the kept data."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.l2.abi import decode, encode_call, selector
from ethrex.l2.genesis import l2_genesis
from ethrex.l2.rollup.batch import BatchCommitment
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.rollup.batch_data import (
    blobs_to_payload,
    decode_payload,
    encode_payload,
    versioned_hashes_commitment,
)
from ethrex.l2.sender import Blobs, Mined
from ethrex.l2.sequencer.block_producer import produce_block
from ethrex.l2.sequencer.committer import (
    BLOB_SUFFIX,
    DATA_SUFFIX,
    BatchFiles,
    BatchPolicy,
    Committer,
    DeploymentMismatch,
    Sealer,
)
from ethrex.primitives import keccak256
from ethrex.rpc.context import node_context
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
        self.validium = False
        self.data: dict[int, tuple[bytes, Blobs | None]] = {}  # batch -> (commitment, blobs)

    async def eth_call(self, to: bytes, data: bytes) -> bytes:
        if data == encode_call("lastCommittedBatch()"):
            return self.committed.to_bytes(32, "big")
        if data == encode_call("lastVerifiedBatch()"):
            return self.verified.to_bytes(32, "big")
        if data == encode_call("requiredProofs()"):
            return self.required.to_bytes(32, "big")
        if data == encode_call("validium()"):
            return int(self.validium).to_bytes(32, "big")
        assert data == encode_call("batches(uint256)", 0)
        return self.genesis_root + bytes(160)

    async def send(self, to: bytes, data: bytes, value: int = 0,
                   blobs: Blobs | None = None) -> Mined:
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
            assert (blobs is None) == self.validium  # what commitBatch requires
            self.data[number] = (data[-32:], blobs)
            self.committed = number
            self.calls.append(f"commit {number}")
        return Mined(bytes([number]) * 32, 1, 150_000, {})


def _setup(batches: int, files: BatchFiles, validium: bool = False, proven: bool = True,
           wrong_state_root_batch: int = 0
           ) -> tuple[Committer, ProofSender, FakeProposer, RollupStore, Any]:
    """``batches`` sealed batches of one (empty) block each."""
    chain = Blockchain.open(Store.in_memory(), l2_genesis(), hooks=L2Hooks())
    rollup = RollupStore(chain.store)
    executor = ThreadPoolExecutor(1)
    ctx = node_context(chain, executor, network="l2")
    for n in range(1, batches + 2):  # one block more for the reorg test's fifth batch
        produce_block(ctx, rollup, bytes(20), now=1000 + n)
    for n in range(1, batches + 1):
        rollup.put_batch(BatchRecord(BatchCommitment(n, n, n, b"\x01" * 32, bytes(32), 0,
                                                     bytes(32), b"\x02" * 32), 1))
        if proven:
            rollup.put_proof(n, EXEC, b"exec proof %d" % n)
    l1 = FakeProposer(chain.store.get_header_by_number(0).state_root)  # type: ignore[union-attr]
    l1.validium = validium
    sealer = Sealer(chain, rollup, BatchPolicy())
    return (Committer(sealer, l1, executor, PROPOSER, files,  # type: ignore[arg-type]
                      validium, wrong_state_root_batch),
            ProofSender(l1, rollup, executor, PROPOSER), l1, rollup, executor)  # type: ignore


def _drain(step: Any) -> None:
    async def go() -> None:
        while await step():
            pass
    asyncio.run(go())


def test_batches_are_committed_and_verified_once_in_order(tmp_path: Any) -> None:
    files = BatchFiles(tmp_path)
    committer, verifier, l1, rollup, executor = _setup(3, files)
    l1.committed = 1  # batch 1 was mined just before a crash
    _drain(committer.step)
    _drain(verifier.step)
    assert l1.calls == ["commit 2", "commit 3", "verify 1", "verify 2", "verify 3"]
    assert [r.status for r in rollup.batches()] == [VERIFIED] * 3
    assert rollup.get_batch(2).commit_gas == 150_000  # type: ignore[union-attr]
    assert rollup.get_batch(1).commit_tx == b""  # type: ignore[union-attr]  # not ours
    for n in (2, 3):  # the blobs carry the batch's block, their files are kept
        validium_commitment, blobs = l1.data[n]
        assert validium_commitment == bytes(32) and blobs is not None
        block = committer.sealer.block(n)
        assert decode_payload(blobs_to_payload(blobs.blobs)) == [block]
        kept = [files.read(h, BLOB_SUFFIX) for h in blobs.versioned_hashes]
        assert kept == list(blobs.blobs)
        assert versioned_hashes_commitment(blobs.versioned_hashes) != bytes(32)
    executor.shutdown()


def test_a_validium_commits_to_the_data_it_keeps(tmp_path: Any) -> None:
    files = BatchFiles(tmp_path)
    committer, _, l1, _, executor = _setup(2, files, validium=True)
    _drain(committer.step)
    assert l1.calls == ["commit 1", "commit 2"]
    for n in (1, 2):
        commitment, blobs = l1.data[n]
        payload = encode_payload([committer.sealer.block(n)])
        assert blobs is None and commitment == keccak256(payload)
        assert files.read(commitment, DATA_SUFFIX) == payload
    executor.shutdown()


def test_a_proposer_of_the_other_kind_is_refused(tmp_path: Any) -> None:
    committer, _, l1, _, executor = _setup(1, BatchFiles(tmp_path))
    l1.validium = True
    with pytest.raises(DeploymentMismatch, match="with --validium"):
        asyncio.run(committer.step())
    assert l1.calls == []
    executor.shutdown()


def test_commits_and_verifications_lost_in_a_reorg_are_sent_again(tmp_path: Any) -> None:
    committer, verifier, l1, rollup, executor = _setup(4, BatchFiles(tmp_path))
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


def test_a_batch_is_verified_once_its_required_proofs_are_stored(tmp_path: Any) -> None:
    committer, verifier, l1, rollup, executor = _setup(2, BatchFiles(tmp_path), proven=False)
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


def test_the_faulty_sequencer_hook_commits_a_wrong_state_root(tmp_path: Any) -> None:
    committer, _, l1, rollup, executor = _setup(3, BatchFiles(tmp_path),
                                                wrong_state_root_batch=2)
    _drain(committer.step)
    assert l1.state_roots[1] == l1.state_roots[3] == b"\x01" * 32
    assert l1.state_roots[2] not in (b"\x01" * 32, bytes(32))
    assert rollup.get_batch(2).commitment.state_root == b"\x01" * 32  # type: ignore[union-attr]
    executor.shutdown()


def test_another_deployment_is_refused(tmp_path: Any) -> None:
    committer, _, l1, _, executor = _setup(1, BatchFiles(tmp_path))
    l1.genesis_root = b"\x07" * 32
    with pytest.raises(DeploymentMismatch, match="another chain id"):
        asyncio.run(committer.step())
    assert l1.calls == []
    executor.shutdown()
