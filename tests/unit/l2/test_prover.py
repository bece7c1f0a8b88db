"""The prover's side of a batch (issue 15, items 2 and 3): the public inputs a stateless
re-execution of a batch's witness computes are the ones its commitment gives (and their bytes
are the layout L1 builds); a witness missing any one node, code or header fails with
``InvalidWitness``, never a root; the backends' proofs (exec: the inputs; attested: a
signature L1's ecrecover checks) and a coordinator handing batches to prover clients over
TCP, keeping their proofs."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.witness import record_witness
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.errors import InvalidBlock
from ethrex.l2.genesis import l2_genesis
from ethrex.l2.prover.backends import ATTESTED, EXEC, attestation, attestation_signer, prove
from ethrex.l2.prover.client import ProverClient
from ethrex.l2.prover.program import ProverInput, batch_public_inputs
from ethrex.l2.rollup.batch import batch_commitment
from ethrex.l2.rollup.batch_data import (
    batch_blob_versioned_hashes,
    data_commitment,
    encode_payload,
)
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.rollup.inputs import SIZE, MalformedInputs, PublicInputs, batch_inputs
from ethrex.l2.rollup.privileged import ZERO_HASH
from ethrex.l2.sequencer.proof_coordinator import ProofCoordinator
from ethrex.l2.store import COMMITTED, BatchRecord, RollupStore
from ethrex.primitives import keccak256
from ethrex.rpc.context import NodeContext, node_context
from ethrex.state.witness import InvalidWitness, MissingWitnessNode
from ethrex.storage import Store
from ethrex.types.block import Block
from tests.e2e.harness import free_port
from tests.unit.l2.test_rollup import CHAIN_ID, _batch_blocks

ATTESTER_KEY = keccak256(b"attester")


@pytest.fixture
def l2() -> tuple[NodeContext, RollupStore]:
    chain = Blockchain.open(Store.in_memory(), l2_genesis(CHAIN_ID), hooks=L2Hooks())
    executor = ThreadPoolExecutor(1)
    yield node_context(chain, executor, network="l2"), RollupStore(chain.store)
    executor.shutdown()


def _job(ctx: NodeContext, rollup: RollupStore) -> tuple[ProverInput, PublicInputs, list[Block]]:
    """Batch 1 of four blocks (deposits, a withdrawal, a transfer, a contract creation), its
    prover input and the public inputs its commitment gives."""
    genesis = ctx.chain.head_header()
    blocks = _batch_blocks(ctx, rollup)
    store = ctx.chain.store
    receipts = [store.get_receipts(b.header.hash()) or [] for b in blocks]
    commitment = batch_commitment(1, blocks, receipts, ZERO_HASH)
    job = ProverInput(1, tuple(blocks), record_witness(ctx.chain, blocks), ZERO_HASH)
    return job, batch_inputs(CHAIN_ID, commitment, genesis.state_root, ZERO_HASH,
                             data_commitment(blocks)), blocks


def test_stateless_re_execution_gives_the_committed_public_inputs(l2: tuple) -> None:
    ctx, rollup = l2
    job, expected, blocks = _job(ctx, rollup)
    decoded = ProverInput.decode(job.encode())
    assert decoded == job
    inputs = batch_public_inputs(decoded, ctx.chain.config)
    assert inputs == expected
    assert inputs.messages_root != ZERO_HASH and inputs.rolling_hash != ZERO_HASH
    assert inputs.final_state_root == blocks[-1].header.state_root
    data = inputs.encode()
    assert len(data) == SIZE == 288
    # the words in the order OnChainProposer.publicInputs encodes them
    assert data[:32] == CHAIN_ID.to_bytes(32, "big") and data[32:64] == (1).to_bytes(32, "big")
    assert data[64:96] == ctx.chain.store.get_header_by_number(0).state_root
    assert data[96:128] == blocks[-1].header.state_root
    assert data[224:256] == blocks[-1].header.hash()
    # the data commitment: keccak256 of the versioned hashes of the blobs carrying the blocks
    assert data[256:] == keccak256(b"".join(batch_blob_versioned_hashes(blocks)))
    validium = batch_public_inputs(replace(decoded, validium=True), ctx.chain.config)
    assert validium == replace(inputs, data_commitment=keccak256(encode_payload(blocks)))
    assert PublicInputs.decode(data) == inputs
    with pytest.raises(MalformedInputs):
        PublicInputs.decode(data[:-1])


def test_a_witness_missing_any_one_entry_fails_never_a_wrong_root(l2: tuple) -> None:
    ctx, rollup = l2
    job, expected, _ = _job(ctx, rollup)
    w = job.witness
    assert len(w.state) > 5 and w.codes
    for i in range(len(w.state)):
        partial = replace(job, witness=replace(w, state=w.state[:i] + w.state[i + 1:]))
        with pytest.raises(MissingWitnessNode) as info:
            batch_public_inputs(partial, ctx.chain.config)
        assert info.value.node_hash == keccak256(w.state[i])
    for i in range(len(w.codes)):
        partial = replace(job, witness=replace(w, codes=w.codes[:i] + w.codes[i + 1:]))
        with pytest.raises(InvalidWitness):
            batch_public_inputs(partial, ctx.chain.config)
    with pytest.raises(InvalidWitness):
        batch_public_inputs(replace(job, witness=replace(w, headers=())), ctx.chain.config)
    # a node changed rather than removed is another node: missing too
    bad = replace(w, state=(w.state[0] + b"\x00",) + w.state[1:])
    with pytest.raises(InvalidWitness):
        batch_public_inputs(replace(job, witness=bad), ctx.chain.config)
    # a block changed after the fact disagrees with its header
    block = job.blocks[1]
    tampered = replace(block, transactions=block.transactions[:1])
    with pytest.raises(InvalidBlock):
        batch_public_inputs(replace(job, blocks=(job.blocks[0], tampered, *job.blocks[2:])),
                            ctx.chain.config)
    assert batch_public_inputs(job, ctx.chain.config) == expected


def test_proofs_of_each_backend(l2: tuple) -> None:
    ctx, rollup = l2
    _, inputs, _ = _job(ctx, rollup)
    assert prove(EXEC, inputs, None) == inputs.encode()
    signature = prove(ATTESTED, inputs, ATTESTER_KEY)
    assert signature == attestation(inputs, ATTESTER_KEY) and len(signature) == 65
    assert attestation_signer(inputs, signature) == private_key_to_address(ATTESTER_KEY)
    tampered = replace(inputs, final_state_root=b"\x01" * 32)
    assert attestation_signer(tampered, signature) != private_key_to_address(ATTESTER_KEY)
    assert attestation_signer(inputs, signature[:64]) is None
    with pytest.raises(ValueError):
        prove(ATTESTED, inputs, None)


def test_the_coordinator_hands_batches_to_provers_and_keeps_their_proofs(l2: tuple) -> None:
    """Over loopback TCP: an exec and an attested prover each prove the committed batch; a
    proof by an unregistered attester is refused; a prover that took a batch and died leaves
    it to the next once its lease ends."""
    ctx, rollup = l2
    _, expected, blocks = _job(ctx, rollup)
    store = ctx.chain.store
    receipts = [store.get_receipts(b.header.hash()) or [] for b in blocks]
    rollup.put_batch(BatchRecord(batch_commitment(1, blocks, receipts, ZERO_HASH), 6,
                                 status=COMMITTED))
    registered = private_key_to_address(ATTESTER_KEY)

    async def is_attester(address: bytes) -> bool:
        return address == registered

    async def scenario() -> None:
        port = free_port()
        coordinator = ProofCoordinator(ctx.chain, rollup, ctx.executor, "127.0.0.1", port,
                                       0.5, is_attester)
        await coordinator.start()
        try:
            def client(backend: str, kind: int, key: bytes | None) -> ProverClient:
                return ProverClient("127.0.0.1", port, backend, kind, key,
                                    lambda chain_id: ctx.chain.config, poll=0.05)
            forger = client("attested", ATTESTED, keccak256(b"not registered"))
            assert await forger.step() and forger.proven == 0
            assert rollup.get_proof(1, ATTESTED) is None
            # a prover that took the batch and vanished: the lease runs out, then it is handed
            # out again
            answer = await coordinator.answer({"type": "next", "backend": "exec"})
            assert answer["type"] == "job" and answer["batch"] == 1
            assert (await coordinator.answer({"type": "next", "backend": "exec"}))["type"] \
                == "idle"
            await asyncio.sleep(0.6)
            exec_prover = client("exec", EXEC, None)
            attester = client("attested", ATTESTED, ATTESTER_KEY)
            assert await exec_prover.step() and await attester.step()
            assert not await exec_prover.step()  # nothing left
        finally:
            await coordinator.stop()

    asyncio.run(scenario())
    assert rollup.get_proof(1, EXEC) == expected.encode()
    assert attestation_signer(expected, rollup.get_proof(1, ATTESTED) or b"") == \
        private_key_to_address(ATTESTER_KEY)
